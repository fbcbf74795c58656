// Turns clang's stderr into findings. clang is run with -fno-color-diagnostics,
// -fdiagnostics-print-source-range-info and -fdiagnostics-parseable-fixits, so each diagnostic
// starts with a line
//     file:line:col:{l:c-l:c}{...}: error: message [-Wflag]
// followed by the source snippet and caret (ignored here: clang 14 indents them by one space,
// clang ≥ 17 prefixes "  N | "), and by one line per fix-it:
//     fix-it:"file":{l:c-l:c}:"replacement"
// Notes that follow an error or warning belong to it. clang's range ends are one past the last
// character (it adds the token length to the last token's start), which is what our 1-based
// Range end means too, so they are taken as printed.
import { resolve } from 'node:path';
import type { Finding, Range, RelatedInfo, Severity } from '../core/diagnostics/finding';

export interface FixEdit {
  /** File the edit applies to (absent: the checked file). */
  readonly file?: string;
  readonly range: Range;
  readonly newText: string;
}

/** One quick-fix: the edits of one diagnostic or of one of its notes, titled by its message. */
export interface FixGroup {
  readonly title: string;
  readonly edits: FixEdit[];
}

export interface ParseOptions {
  /** Absolute path of the file being compiled; diagnostics there carry no `file`. */
  readonly mainFile: string;
  /** Directory clang ran in (relative paths in its output are relative to it). */
  readonly cwd: string;
  /** Source text by absolute path, to stretch a bare caret over the token it points at. */
  readonly sourceOf?: (file: string) => string | undefined;
}

interface Loc {
  readonly file: string | undefined;
  readonly line: number;
  readonly column: number;
}

interface Raw {
  readonly kind: 'fatal error' | 'error' | 'warning' | 'note' | 'remark';
  readonly loc: Loc | undefined;
  readonly ranges: Range[];
  readonly message: string;
  readonly edits: FixEdit[];
  readonly includedFrom: Loc[];
}

const DIAG_RE = /^(.+?):(\d+):(\d+):((?:\{\d+:\d+-\d+:\d+\})*):? (fatal error|error|warning|note|remark): (.*)$/;
const NOLOC_RE = /^(?:([^\s:]+): )?(fatal error|error|warning|note|remark): (.*)$/;
const RANGE_RE = /\{(\d+):(\d+)-(\d+):(\d+)\}/g;
const FIXIT_RE = /^fix-it:"((?:[^"\\]|\\.)*)":\{(\d+):(\d+)-(\d+):(\d+)\}:"((?:[^"\\]|\\.)*)"$/;
const INCLUDED_RE = /^(?:In file included from|\s+from) (.+):(\d+):$/;

export function parseClangDiagnostics(stderr: string, opts: ParseOptions): Finding[] {
  const raws: Raw[] = [];
  let includeStack: Loc[] = [];
  const fileOf = (f: string): string | undefined => mapFile(f, opts);

  for (const line of stderr.split(/\r?\n/)) {
    const inc = INCLUDED_RE.exec(line);
    if (inc) {
      includeStack.push({ file: fileOf(inc[1]!), line: Number(inc[2]), column: 1 });
      continue;
    }
    const d = DIAG_RE.exec(line);
    if (d) {
      const file = fileOf(d[1]!);
      const ranges = [...d[4]!.matchAll(RANGE_RE)].map((m) => ({
        start: { line: Number(m[1]), column: Number(m[2]) },
        end: { line: Number(m[3]), column: Number(m[4]) },
      }));
      raws.push({
        kind: d[5] as Raw['kind'],
        loc: { file, line: Number(d[2]), column: Number(d[3]) },
        ranges,
        message: d[6]!,
        edits: [],
        includedFrom: includeStack,
      });
      includeStack = [];
      continue;
    }
    const f = FIXIT_RE.exec(line);
    if (f && raws.length) {
      const file = fileOf(unescapeClang(f[1]!));
      raws[raws.length - 1]!.edits.push({
        ...(file === undefined ? {} : { file }),
        range: { start: { line: Number(f[2]), column: Number(f[3]) }, end: { line: Number(f[4]), column: Number(f[5]) } },
        newText: unescapeClang(f[6]!),
      });
      continue;
    }
    const n = NOLOC_RE.exec(line);
    if (n) {
      // "clang: error: unknown argument: '-x'", or a backend error without a source position.
      raws.push({ kind: n[2] as Raw['kind'], loc: undefined, ranges: [], message: n[3]!, edits: [], includedFrom: includeStack });
      includeStack = [];
    }
  }
  return group(raws, opts);
}

function group(raws: Raw[], opts: ParseOptions): Finding[] {
  const findings: Finding[] = [];
  let current: { raw: Raw; notes: Raw[] } | undefined;
  const flush = (): void => {
    if (current) findings.push(toFinding(current.raw, current.notes, opts));
    current = undefined;
  };
  for (const r of raws) {
    if (r.kind === 'note' && current) current.notes.push(r);
    else {
      flush();
      current = { raw: r, notes: [] };
    }
  }
  flush();
  return findings;
}

function toFinding(raw: Raw, notes: Raw[], opts: ParseOptions): Finding {
  const severity: Severity = raw.kind === 'error' || raw.kind === 'fatal error' ? 'error' : raw.kind === 'warning' ? 'warning' : 'info';
  const code = raw.kind === 'note' ? 'clang/note' : severity === 'error' ? 'clang/error' : severity === 'warning' ? 'clang/warning' : 'clang/note';
  const range = rangeOf(raw, opts);
  const related: RelatedInfo[] = notes.map((n) => ({
    message: n.message,
    ...(n.loc?.file === undefined ? {} : { file: n.loc.file }),
    range: rangeOf(n, opts),
  }));
  // An error inside a header is shown at the #include that pulled the header in, too.
  // clang prints the include stack outermost first, so the main file's #include is the first entry.
  const top = raw.includedFrom[0];
  if (raw.loc?.file !== undefined && top && top.file === undefined) {
    related.push({ message: `in a file included from line ${top.line}`, range: { start: { line: top.line, column: 1 }, end: { line: top.line, column: 1000 } } });
  }
  const hint = missingHeaderHint(raw.message);
  if (hint) related.push({ message: hint, ...(raw.loc?.file === undefined ? {} : { file: raw.loc.file }), range });

  const fixits: FixGroup[] = [];
  if (raw.edits.length) fixits.push({ title: raw.message, edits: raw.edits });
  for (const n of notes) if (n.edits.length) fixits.push({ title: n.message, edits: n.edits });

  const flag = /\[(-W[^\]]+)\]$/.exec(raw.message)?.[1];
  const data: Record<string, unknown> = {};
  if (flag) data.flag = flag;
  if (fixits.length) data.fixits = fixits;
  if (hint) data.hint = hint;
  if (!raw.loc) data.noLocation = true;
  if (top && top.file === undefined && raw.loc?.file !== undefined) data.includedFrom = { line: top.line };

  return {
    code,
    severity,
    message: raw.message,
    ...(raw.loc?.file === undefined ? {} : { file: raw.loc.file }),
    range,
    ...(related.length ? { related } : {}),
    ...(Object.keys(data).length ? { data } : {}),
  };
}

/**
 * The finding's range: a printed range that contains the caret, else the token under the caret
 * (read from the source when available), else the bare caret position.
 */
function rangeOf(raw: Raw, opts: ParseOptions): Range {
  const loc = raw.loc;
  if (!loc) return { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
  const at = { line: loc.line, column: loc.column };
  for (const r of raw.ranges) if (contains(r, at)) return r;
  const text = opts.sourceOf?.(loc.file ?? opts.mainFile);
  const lineText = text?.split('\n')[loc.line - 1];
  const len = lineText === undefined ? 0 : tokenLength(lineText, loc.column - 1);
  return { start: at, end: { line: loc.line, column: loc.column + len } };
}

function contains(r: Range, p: { line: number; column: number }): boolean {
  const afterStart = p.line > r.start.line || (p.line === r.start.line && p.column >= r.start.column);
  const beforeEnd = p.line < r.end.line || (p.line === r.end.line && p.column < r.end.column);
  return afterStart && beforeEnd;
}

/**
 * Length in bytes of the token at a 0-based byte index (clang's columns count bytes, tabs as one):
 * an identifier or number, else one character; 0 past the end of the line or on blank space.
 */
function tokenLength(line: string, i: number): number {
  const bytes = new TextEncoder().encode(line);
  if (i < 0 || i >= bytes.length) return 0;
  const isWord = (b: number): boolean => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f;
  let n = 0;
  while (i + n < bytes.length && isWord(bytes[i + n]!)) n++;
  if (n > 0) return n;
  const b = bytes[i]!;
  if (b === 0x20 || b === 0x09) return 0;
  // One character: a UTF-8 lead byte says how many bytes it spans.
  return b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
}

function mapFile(f: string, opts: ParseOptions): string | undefined {
  if (f === '<stdin>') return undefined;
  const abs = resolve(opts.cwd, f);
  return abs === opts.mainFile ? undefined : abs;
}

function missingHeaderHint(message: string): string | undefined {
  const m = /'([^']+)' file not found/.exec(message);
  if (!m) return undefined;
  const h = m[1]!;
  if (h.startsWith('bpf/')) return `<${h}> comes with libbpf's headers: apt-get install libbpf-dev (or pass -I to a libbpf checkout's src/)`;
  if (h.startsWith('asm/')) return `<${h}> lives in the multiarch include directory (/usr/include/<triple>/asm): apt-get install linux-libc-dev (gcc-multilib provides /usr/include/asm on some systems)`;
  if (h.startsWith('linux/')) return `<${h}> comes with the kernel's UAPI headers: apt-get install linux-libc-dev`;
  return undefined;
}

/** Undoes llvm's raw_ostream::write_escaped: \\ \" \n \t and three-digit octal bytes. */
export function unescapeClang(s: string): string {
  // Escapes are ASCII, so working on the UTF-8 bytes keeps multi-byte characters intact.
  const src = new TextEncoder().encode(s);
  const out: number[] = [];
  const BACKSLASH = 0x5c;
  const isOct = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x37;
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!;
    if (b !== BACKSLASH || i + 1 >= src.length) {
      out.push(b);
      continue;
    }
    const n = src[i + 1]!;
    if (isOct(n)) {
      let v = 0;
      let k = i + 1;
      while (k < src.length && k < i + 4 && isOct(src[k])) v = v * 8 + (src[k++]! - 0x30);
      out.push(v & 0xff);
      i = k - 1;
      continue;
    }
    out.push(n === 0x6e ? 10 : n === 0x74 ? 9 : n);
    i++;
  }
  return new TextDecoder().decode(new Uint8Array(out));
}
