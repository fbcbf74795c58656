// Loading vs compiling: generates an XDP program of about 20k instructions (many unrolled
// header-parsing subprograms), times clang building it, then times our parseElf + loadObject +
// strict decode of every program on the resulting object. The language server loads on every
// save, so loading must cost a small fraction of the compile it follows.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseElf } from '../server/src/core/elf/elf';
import { decodeStrict } from '../server/src/core/isa/validate';
import { loadObject } from '../server/src/core/loader';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const FUNCS = Number(process.env.LOADER_BENCH_FUNCS ?? 240);
const dir = join(process.cwd(), '.cache', 'bench', 'loader');
mkdirSync(dir, { recursive: true });

/** One parsing subprogram: bounds-checked reads at varying offsets, a map update, a checksum. */
function block(i: number): string {
  const lines = [`static __noinline int parse_${i}(struct xdp_md *ctx, __u32 off)`, '{'];
  lines.push('\tvoid *data = (void *)(long)ctx->data;', '\tvoid *end = (void *)(long)ctx->data_end;', '\t__u32 acc = off;');
  for (let k = 0; k < 6; k++) {
    const o = (i * 7 + k * 13) % 64;
    lines.push(
      `\tif (data + ${o + 8} > end)`,
      `\t\treturn ${k};`,
      `\tacc = (acc ^ *(__u32 *)(data + ${o})) * ${2 * k + 3} + *(__u16 *)(data + ${o + 4});`,
    );
  }
  lines.push(
    `\t__u32 key = acc & 15;`,
    `\t__u64 *cnt = bpf_map_lookup_elem(&counters, &key);`,
    `\tif (cnt)`,
    `\t\t__sync_fetch_and_add(cnt, acc + ${i});`,
    `\tglobal_total += acc;`,
    '\treturn acc;',
    '}',
  );
  return lines.join('\n');
}

function generate(n: number): string {
  const out = [
    '#include <linux/bpf.h>',
    '#include <bpf/bpf_helpers.h>',
    'struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 16); __type(key, __u32); __type(value, __u64); } counters SEC(".maps");',
    '__u64 global_total;',
  ];
  for (let i = 0; i < n; i++) out.push(block(i));
  out.push('SEC("xdp")', 'int xdp_big(struct xdp_md *ctx)', '{', '\t__u32 v = 0;');
  for (let i = 0; i < n; i++) out.push(`\tv += parse_${i}(ctx, v);`);
  out.push('\treturn v & 1 ? XDP_PASS : XDP_DROP;', '}', 'char LICENSE[] SEC("license") = "GPL";');
  return out.join('\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const multiarch = spawnSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).stdout?.trim() || 'x86_64-linux-gnu';
const src = join(dir, 'big.c');
const obj = join(dir, 'big.o');
writeFileSync(src, generate(FUNCS));
const clangArgs = ['-target', 'bpf', '-g', '-O2', '-c', `-I/usr/include/${multiarch}`, src, '-o', obj];

const clangMs: number[] = [];
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  const r = spawnSync('clang', clangArgs, { stdio: 'pipe' });
  clangMs.push(performance.now() - t0);
  if (r.status !== 0) {
    console.log(`loader: skipped, clang failed or is missing: ${r.error?.message ?? r.stderr.toString().slice(0, 400)}`);
    process.exit(0);
  }
}

const bytes = new Uint8Array(readFileSync(obj));
let insns = 0;
const loadMs: number[] = [];
for (let i = 0; i < ROUNDS + 2; i++) {
  const t0 = performance.now();
  const elf = parseElf(bytes);
  if (!elf.ok) throw new Error(elf.error.message);
  const r = loadObject(bytes);
  if (!r.ok) throw new Error(`${r.error.stage}: ${r.error.message}`);
  insns = 0;
  for (const p of r.value.programs) {
    // Strict decode of the linked program (reserved-field checks), as the verifier front end does.
    const raw = new Uint8Array(p.insns.length * 8);
    const v = new DataView(raw.buffer);
    p.insns.forEach((x, k) => {
      v.setUint8(k * 8, x.code);
      v.setUint8(k * 8 + 1, (x.src << 4) | x.dst);
      v.setInt16(k * 8 + 2, x.off, true);
      v.setInt32(k * 8 + 4, x.imm, true);
    });
    const d = decodeStrict(raw);
    if (!d.ok) throw new Error(d.error.message);
    insns += d.insns.length;
  }
  if (i >= 2) loadMs.push(performance.now() - t0); // two warm-up rounds
}

const load = median(loadMs);
const clang = median(clangMs);
console.log(`loader: object ${bytes.length} bytes, ${FUNCS} subprograms; load = parseElf + loadObject + strict decode, ${ROUNDS} rounds after 2 warm-ups; clang 3 rounds; medians (wall clock, so CPU contention from other processes shows up in both)`);
console.log(`loader: ${insns} insns, load ${load.toFixed(1)} ms (min ${Math.min(...loadMs).toFixed(1)}), clang ${clang.toFixed(0)} ms, ratio ${(load / clang).toFixed(4)}`);
