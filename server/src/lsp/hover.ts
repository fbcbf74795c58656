// Hover, answered from the last finished analysis of the document (never waiting for a running
// one): on a finding, what it means and the data it carries; on a helper or kfunc name, its
// prototype; on an XDP action constant or a `return`, the values the analysis found reachable.
import type { Hover, MarkupContent } from 'vscode-languageserver';
import { AllCodes, codeDocUrl } from '../core/diagnostics/codes';
import type { Finding, Position } from '../core/diagnostics/finding';
import { helperId } from '../core/isa/helpers';
import type { FileReport } from '../core/report';
import { HELPER_VERSIONS, KFUNC_VERSIONS, type VersionFact } from '../core/drivers/kernelFeatures';
import { xdpHelper, xdpKfunc, type ArgKind, type RetKind } from '../core/verifier/helpers';
import { rangeContains } from './positions';

/** enum xdp_action, include/uapi/linux/bpf.h @6.12. */
const XDP_ACTIONS: Readonly<Record<string, { value: number; meaning: string }>> = {
  XDP_ABORTED: { value: 0, meaning: 'drop the packet and fire the xdp_exception tracepoint (a program error)' },
  XDP_DROP: { value: 1, meaning: 'drop the packet' },
  XDP_PASS: { value: 2, meaning: 'pass the packet to the normal network stack' },
  XDP_TX: { value: 3, meaning: 'send the packet back out of the interface it arrived on' },
  XDP_REDIRECT: { value: 4, meaning: 'redirect the packet (bpf_redirect / bpf_redirect_map) to another device, CPU or AF_XDP socket' },
};
const ACTION_NAMES = Object.keys(XDP_ACTIONS);

export interface HoverInput {
  readonly report: FileReport | undefined;
  /** 1-based line and byte column of the hover. */
  readonly at: Position;
  /** The identifier under the cursor (from the current document text), and whether the line is a `return`. */
  readonly word: string | undefined;
  readonly isReturnLine: boolean;
  /** Verifier state per line (1-based), when the program verified. */
  readonly lineStates?: readonly { readonly program: string; readonly line: number; readonly text: string; readonly visits: number }[];
}

export function hover(input: HoverInput): Hover | null {
  const parts: string[] = [];
  const report = input.report;
  if (report) {
    for (const f of findingsAt(report, input.at)) parts.push(findingMarkdown(f));
  }
  const w = input.word;
  if (w) {
    const helper = helperMarkdown(w);
    if (helper) parts.push(helper);
    const action = XDP_ACTIONS[w];
    if (action) parts.push(actionMarkdown(w, action, report));
  }
  if (input.isReturnLine && report && !(w && XDP_ACTIONS[w])) {
    const rv = returnValuesMarkdown(report);
    if (rv) parts.push(rv);
  }
  const states = input.lineStates?.filter((s) => s.line === input.at.line) ?? [];
  if (states.length && (parts.length > 0 || input.word !== undefined)) {
    parts.push(states.map((s) => `Verifier state at the start of line ${s.line} (${s.program}, ${s.visits} visit${s.visits === 1 ? '' : 's'}):\n\n\`\`\`\n${s.text}\n\`\`\``).join('\n\n'));
  }
  if (parts.length === 0) return null;
  const contents: MarkupContent = { kind: 'markdown', value: parts.join('\n\n---\n\n') };
  return { contents };
}

function findingsAt(report: FileReport, at: Position): Finding[] {
  return [...report.diagnostics, ...report.programs.flatMap((p) => p.findings)].filter(
    (f) => f.file === undefined && rangeContains(f.range, at),
  );
}

const HIDDEN_DATA = new Set(['fixits', 'fixes', 'explanation', 'consequence', 'fix', 'howToFix', 'noLocation', 'includedFrom']);

/** A finding as markdown: code and message, the code's summary, then whatever data it carries. */
export function findingMarkdown(f: Finding): string {
  const out: string[] = [`**${f.code}** — ${escapeMd(f.message)}`];
  const summary = AllCodes[f.code]?.summary;
  if (summary) out.push(`*${escapeMd(summary)}*`);
  const d = f.data ?? {};
  for (const key of ['explanation', 'consequence'] as const) if (typeof d[key] === 'string') out.push(escapeMd(d[key] as string));
  for (const [k, v] of Object.entries(d)) {
    if (HIDDEN_DATA.has(k)) continue;
    const rendered = renderValue(k, v);
    if (rendered) out.push(rendered);
  }
  const fix = d.howToFix ?? d.fix;
  if (typeof fix === 'string') out.push(`**How to fix:** ${escapeMd(fix)}`);
  for (const r of f.related ?? []) out.push(`- ${escapeMd(r.message)}${r.file === undefined ? ` (line ${r.range.start.line})` : ''}`);
  out.push(`[${f.code} documentation](${codeDocUrl(f.code)})`);
  return out.join('\n\n');
}

/** Renders one data entry: arrays of records as tables, lists of scalars inline, records as key lists. */
function renderValue(key: string, v: unknown): string | undefined {
  const label = humanize(key);
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) {
    if (v.length === 0) return undefined;
    if (v.every(isRecord)) return `**${label}**\n\n${table(v as Record<string, unknown>[])}`;
    return `**${label}:** ${v.map((x) => escapeMd(scalar(x))).join(', ')}`;
  }
  if (isRecord(v)) {
    const rows = Object.entries(v).map(([k, x]) => `- ${humanize(k)}: ${escapeMd(scalar(x))}`);
    return rows.length ? `**${label}**\n${rows.join('\n')}` : undefined;
  }
  return `**${label}:** ${escapeMd(scalar(v))}`;
}

function table(rows: Record<string, unknown>[]): string {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const head = `| ${cols.map(humanize).join(' | ')} |`;
  const sep = `| ${cols.map(() => '---').join(' | ')} |`;
  const body = rows.slice(0, 30).map((r) => `| ${cols.map((c) => escapeMd(scalar(r[c])).replace(/\|/g, '\\|')).join(' | ')} |`);
  const more = rows.length > 30 ? [`\n*${rows.length - 30} more rows*`] : [];
  return [head, sep, ...body].join('\n') + more.join('');
}

function helperMarkdown(word: string): string | undefined {
  if (word.startsWith('bpf_')) {
    const id = helperId(word.slice(4));
    const proto = id === undefined ? undefined : xdpHelper(id);
    if (proto) {
      const lines = [
        `**helper ${word}** (id ${proto.id})`,
        `\`${retText(proto.ret)} ${word}(${proto.args.map((a, i) => (i === proto.spinLockArg ? 'struct bpf_spin_lock *lock' : argText(a, proto.sizes?.[i]))).join(', ')})\``,
        proto.changesPkt
          ? '**Invalidates packet pointers**: re-load `ctx->data` / `ctx->data_end` and re-check bounds after the call.'
          : 'Does not invalidate packet pointers.',
      ];
      if (proto.acquire) lines.push(`Acquires a reference (${proto.acquire}) that must be released on every path.`);
      lines.push(`Prototype: ${proto.source}.`);
      const since = sinceText(HELPER_VERSIONS[word]);
      if (since) lines.push(since);
      return lines.join('\n\n');
    }
    if (id !== undefined) return `**helper ${word}** (id ${id}) — not callable from XDP programs (not in xdp_func_proto, net/core/filter.c @6.12).`;
  }
  const kfunc = xdpKfunc(word);
  if (kfunc) {
    const ret = kfunc.retStruct ? `struct ${kfunc.retStruct} * /* or NULL */` : retText(kfunc.ret);
    const arg = (a: ArgKind, i: number): string => {
      const struct = kfunc.argStructs?.[i];
      if (!struct) return argText(a, kfunc.sizes?.[i]);
      return `struct ${struct} *${kfunc.sizes?.[i] === undefined ? '' : ` /* ${kfunc.sizes[i]} bytes */`}`;
    };
    const notes: string[] = [];
    if (kfunc.ret.endsWith('_or_null')) notes.push('Returns NULL when there is nothing to return: compare the result with NULL before reading through it.');
    if (kfunc.trustedArgs) notes.push('Pointer arguments must not be NULL and must not be pointers loaded out of other kernel objects (KF_TRUSTED_ARGS).');
    return [
      `**kfunc ${word}**`,
      `\`${ret} ${word}(${kfunc.args.map(arg).join(', ')})\``,
      ...notes,
      `Prototype: ${kfunc.source}.`,
      ...(sinceText(KFUNC_VERSIONS[word]) ? [sinceText(KFUNC_VERSIONS[word])!] : []),
    ].join('\n\n');
  }
  return undefined;
}

function sinceText(v: VersionFact | undefined): string | undefined {
  if (!v) return undefined;
  const xdp = v.xdp && v.xdp !== v.since ? `; usable from XDP programs since ${v.xdp}` : '';
  return `Available since Linux ${v.since}${xdp} (source: ${v.source}${v.uncertain ? `; ${v.uncertain}` : ''}).`;
}

function actionMarkdown(name: string, a: { value: number; meaning: string }, report: FileReport | undefined): string {
  const lines = [`**${name}** = ${a.value}: ${a.meaning}.`];
  const rv = report && returnValuesMarkdown(report);
  if (rv) lines.push(rv);
  return lines.join('\n\n');
}

/** The values each program can return, from the analysis (absent until the XDP analyses report them). */
function returnValuesMarkdown(report: FileReport): string | undefined {
  const rows = report.programs.filter((p) => p.returnValues);
  if (rows.length === 0) return undefined;
  return rows
    .map((p) => {
      const rv = p.returnValues!;
      const vals = rv.values ? rv.values.map(actionName).join(', ') : `any value in ${rv.min}..${rv.max}`;
      return `**${p.name}** can return: ${vals}`;
    })
    .join('\n\n');
}

function actionName(v: number): string {
  const name = ACTION_NAMES.find((n) => XDP_ACTIONS[n]!.value === v);
  return name ? `${name} (${v})` : `${v} (not an XDP action)`;
}

const ARG_TEXT: Record<ArgKind, string> = {
  anything: 'u64', ctx: 'struct xdp_md *ctx', map: 'struct bpf_map *map', key: 'const void *key', value: 'const void *value',
  value_out: 'void *value', mem: 'const void *mem', mem_or_null: 'const void *mem_or_null', mem_out: 'void *buf',
  fixed_mem: 'const void *mem', fixed_out: 'void *out', size: 'u32 size', size_or_zero: 'u32 size', alloc_size: 'u64 size',
  sock_common: 'struct sock_common *sk', sock_release: 'struct sock *sk', ringbuf_release: 'void *data', func: 'void *callback_fn',
  stack_or_null: 'void *callback_ctx', const_str: 'const char *fmt', unmodelled: '…',
};

function argText(a: ArgKind, size: number | undefined): string {
  return size === undefined ? ARG_TEXT[a] : `${ARG_TEXT[a]} /* ${size} bytes */`;
}

function retText(r: RetKind): string {
  switch (r) {
    case 'integer': return 'long';
    case 'void': return 'void';
    case 'map_value_or_null': return 'void * /* or NULL */';
    case 'ringbuf_mem_or_null': return 'void * /* or NULL */';
    default: return `${r.replace(/_or_null$/, '')} * /* or NULL */`;
  }
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

function humanize(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function escapeMd(s: string): string {
  return s.replace(/([\\`*_[\]<>])/g, '\\$1');
}
