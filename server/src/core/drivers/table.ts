// Text renderings of the profiles: the summary table (docs/drivers.md is generated from it, and
// `xdp-check drivers` prints it), and one profile with every fact's value, source and uncertainty.

import type { DriverProfile, Fact } from './profile';
import { profileFacts } from './profile';

const mark = (f: Fact<unknown>) => (f.uncertain ? '?' : '') + (f.byKernel?.length ? '*' : '');
const yn = (f: Fact<boolean>) => (f.value ? 'yes' : 'no') + mark(f);
const num = (f: Fact<number | null>, unit = '') => (f.value === null ? '—' : `${f.value}${unit}`) + mark(f);

export const TABLE_COLUMNS = ['driver', 'XDP since', 'actions', 'redirect target', 'headroom', 'data_meta', 'tail grow', 'tailroom', 'RX_SG', 'max MTU', 'AF_XDP ZC', 'kfuncs ts/hash/vlan', 'offload'];

export function profileRow(p: DriverProfile): string[] {
  const acts = p.actions.value.includes('REDIRECT') ? 'all' : p.actions.value.join(',');
  const k = p.kfuncs;
  return [
    p.id + (p.aliases.length ? ` (${p.aliases.join(', ')})` : ''),
    p.xdpSince.value + (p.xdpSince.uncertain ? '?' : ''),
    acts,
    yn(p.redirectTarget),
    num(p.headroom),
    yn(p.dataMeta),
    yn(p.tailGrow),
    num(p.tailroom),
    yn(p.rxSg),
    num(p.maxMtu),
    yn(p.xskZeroCopy),
    [k.rx_timestamp, k.rx_hash, k.rx_vlan_tag].map((f) => (f.value ? 'Y' : '-') + (f.byKernel?.length ? '*' : '')).join('/'),
    yn(p.hwOffload),
  ];
}

/** A Markdown table of all profiles. `?` marks a value the sources leave uncertain. */
export function markdownTable(profiles: readonly DriverProfile[]): string {
  const rows = [TABLE_COLUMNS, TABLE_COLUMNS.map(() => '---'), ...profiles.map(profileRow)];
  return rows.map((r) => `| ${r.join(' | ')} |`).join('\n') + '\n';
}

/** A plain-text aligned table for terminals. */
export function textTable(profiles: readonly DriverProfile[]): string {
  const rows = [TABLE_COLUMNS, ...profiles.map(profileRow)];
  const widths = TABLE_COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n';
}

function show(v: unknown): string {
  if (Array.isArray(v)) return v.length ? v.join(', ') : '(none)';
  if (v === null) return 'unknown / not fixed';
  return String(v);
}

/** One profile in full: every fact with its note, source, verification and uncertainty. */
export function profileDetail(p: DriverProfile): string {
  const out = [`${p.id} — ${p.title} (${p.mode})`];
  if (p.aliases.length) out.push(`aliases: ${p.aliases.join(', ')}`);
  for (const [name, f] of profileFacts(p)) {
    out.push(`${name}: ${show(f.value)}`);
    if (f.note) out.push(`    note: ${f.note}`);
    out.push(`    source: ${f.source}`);
    if (f.verified) out.push(`    verified: ${f.verified}`);
    if (f.uncertain) out.push(`    uncertain: ${f.uncertain}`);
    for (const b of f.byKernel ?? []) out.push(`    before ${b.before}: ${show(b.value)} (${b.source}${b.uncertain ? `; uncertain: ${b.uncertain}` : ''})`);
  }
  out.push(`invalid action: ${p.invalidAction}`);
  for (const c of p.caveats) out.push(`caveat: ${c}`);
  if (p.uncertain.length) out.push(`open questions: ${p.uncertain.join('; ')}`);
  return out.join('\n') + '\n';
}

/** docs/drivers.md, generated from the profiles (a test keeps the committed file in sync). */
export function renderDriversDoc(profiles: readonly DriverProfile[], features: Readonly<Record<string, { since: string; xdp?: string; source: string; uncertain?: string }>>): string {
  const out: string[] = [];
  out.push('# Driver profiles');
  out.push('');
  out.push('<!-- Generated from server/src/core/drivers/profiles.ts by test/core/drivers/doc.test.ts; run with UPDATE_GOLDEN=1 to rewrite. -->');
  out.push('');
  out.push('`xdp-check check --driver ID [--kernel X.Y]` checks a program against one of these profiles; `xdp-check check --matrix`');
  out.push('checks every program against every profile; `xdp-check drivers [ID]` prints them with the kernel source of every fact.');
  out.push('');
  out.push('**Default:** with no `--driver`, only driver-independent checks run (return values outside 0..4, pushes the verifier');
  out.push('cannot bound, misaligned metadata, and the kernel version when `--kernel` is given), and each program gets one info');
  out.push('finding, `xdp/portability-unchecked`, saying that portability was not checked.');
  out.push('');
  out.push('Ids are kernel module names (`generic` is skb mode, `nfp-offload` is the Netronome NIC running the program). Byte');
  out.push('values assume x86_64, 4 KiB pages, NET_SKB_PAD = 64, NET_IP_ALIGN = 0 and 320 bytes of `skb_shared_info`.');
  out.push('`?` marks a value the sources leave uncertain; `*` a value that differs on older kernels (the checks use the');
  out.push('value for `--kernel`; `xdp-check drivers ID` lists the older values). *actions* lists the handled actions when not all five are.');
  out.push('*headroom* is the bytes before `data`; a program can push `headroom − 40` bytes (struct xdp_frame) minus its metadata.');
  out.push('*tailroom* is what `bpf_xdp_adjust_tail` can add behind a 1514-byte frame (computed only where the buffer layout is clear).');
  out.push('');
  out.push(markdownTable(profiles).trimEnd());
  out.push('');
  out.push('## How the checks use a profile');
  out.push('');
  out.push('- `xdp/return-unsupported`: a reachable action missing from *actions* (e.g. XDP_REDIRECT on ixgbevf, nicvf, nfp outside');
  out.push('  AF_XDP queues; anything above XDP_TX on nfp-offload). `xdp/return-invalid` (any driver): a value outside 0..4.');
  out.push('- `xdp/headroom-exceeded`: the most bytes any path pushes with `bpf_xdp_adjust_head` (plus metadata grown with');
  out.push('  `bpf_xdp_adjust_meta`) exceeds *headroom* − 40. Pushes inside a loop, or with a delta the verifier cannot bound,');
  out.push('  give `xdp/adjust-head-unbounded` with the bound that fits the selected driver (or 24 bytes, the smallest: ixgbevf).');
  out.push('- `xdp/capability-missing`: data_meta (adjust_meta fails with -ENOTSUPP, or no metadata to read), metadata kfuncs');
  out.push('  (-EOPNOTSUPP; never in generic mode or offloaded), xdp.frags on drivers without RX_SG (warning: MTU stays at');
  out.push('  *max MTU*), tail growth beyond *tailroom*, AF_XDP without zero-copy (warning), hairpin `bpf_redirect` to a driver');
  out.push('  that cannot be a *redirect target*, helpers/maps/kfuncs/ctx writes the nfp offload cannot run, helpers and');
  out.push('  features newer than `--kernel`, and more than 32 bytes of metadata before 6.8.');
  out.push('- Return values are the low 32 bits of R0 at every reachable exit; a successful `bpf_tail_call` returns the');
  out.push('  called program\'s value instead, which this analysis does not see.');
  out.push('');
  out.push('## Open questions per driver');
  out.push('');
  for (const p of profiles) if (p.uncertain.length) out.push(`- **${p.id}**: ${p.uncertain.join('; ')}`);
  out.push('');
  out.push('## Kernel versions of XDP features');
  out.push('');
  out.push('| feature | since | source |');
  out.push('| --- | --- | --- |');
  for (const [k, v] of Object.entries(features)) out.push(`| ${k} | ${v.since}${v.uncertain ? '?' : ''} | ${v.source.replace(/\|/g, '\\|')} |`);
  out.push('');
  out.push('Helper and kfunc versions are in `server/src/core/drivers/kernelFeatures.ts`, each with its source.');
  out.push('');
  return out.join('\n');
}
