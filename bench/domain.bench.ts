// Scalar-domain micro-benchmark on a realistic mix: verifies bench/programs/xdp_firewall.c once while
// recording every call the verifier makes into the domain (Scalar.alu/branch/join/subsumes/...; the
// recorder wraps the methods of the `Scalar` object at run time, nothing in the verifier changes),
// then replays the recorded calls with their real operands and prints ns/op per operation and operand
// shape, both with the domain's per-object memo tables off (the cost of the transfer functions
// themselves) and on (fresh operand objects each round, so only hits within one replay count).
// BENCH_ROUNDS (default 5) replay rounds; the median round is printed. BENCH_TOP rows of the breakdown.
import { join } from 'node:path';
import { loadObject } from '../server/src/core/loader/index';
import { verify } from '../server/src/core/verifier/index';
import { compile } from '../server/src/toolchain';
import { Scalar } from '../server/src/core/verifier/domain/scalar';
import { aluConfig } from '../server/src/core/verifier/domain/alu';

type S = Scalar;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MEMO_DEFAULT = aluConfig.memo;
const METHODS = ['alu', 'neg', 'endian', 'movsx', 'zext32', 'truncate', 'sext', 'branch', 'join', 'subsumes', 'sync'] as const;
type Method = (typeof METHODS)[number];

interface Call { m: Method; args: unknown[]; group: string }

function isScalar(x: unknown): x is S {
  return typeof x === 'object' && x !== null && 'tnum' in x && 'umin' in x;
}

/** Operand shape: constant, unknown, tnum below 2^32, or a full 64-bit value. */
function shape(s: S): string {
  if (s.tnum.mask === 0n) return 'k';
  if (s.tnum.mask === 0xffffffffffffffffn) return 'unk';
  if ((s.tnum.value | s.tnum.mask) <= 0xffffffffn) return 'u32';
  return 'full';
}

const OPN: Record<number, string> = { 0: 'add', 16: 'sub', 32: 'mul', 48: 'div', 64: 'or', 80: 'and', 96: 'lsh', 112: 'rsh', 144: 'mod', 160: 'xor', 176: 'mov', 192: 'arsh' };

function groupOf(m: Method, args: unknown[]): string {
  const shapes = args.filter(isScalar).map(shape).join(',');
  if (m === 'alu') return `alu.${OPN[args[0] as number] ?? args[0]}${args[3] ? '64' : '32'}(${shapes})`;
  if (m === 'branch') return `branch${args[3] ? '32' : '64'}(${shapes})`;
  return `${m}(${shapes})`;
}

async function record(): Promise<{ calls: Call[]; run: () => void }> {
  const file = join(process.cwd(), 'bench', 'programs', 'xdp_firewall.c');
  const built = await compile({ file });
  if (!built.ok || !built.object) throw new Error(`benchmark program does not compile: ${built.problems.map((p) => p.message).join('; ')}`);
  const loaded = loadObject(built.object);
  if (!loaded.ok) throw new Error(loaded.error.message);
  const prog = loaded.value.programs.find((p) => p.name === 'xdp_firewall')!;
  const calls: Call[] = [];
  const target = Scalar as unknown as Record<string, (...a: unknown[]) => unknown>;
  const saved = new Map<string, (...a: unknown[]) => unknown>();
  for (const m of METHODS) {
    const f = target[m]!;
    saved.set(m, f);
    target[m] = (...args: unknown[]) => {
      calls.push({ m, args, group: groupOf(m, args) });
      return f(...args);
    };
  }
  try {
    verify(prog, loaded.value);
  } finally {
    for (const [m, f] of saved) target[m] = f;
  }
  return { calls, run: () => void verify(prog, loaded.value) };
}

/** Fresh copies of every scalar operand (so the memo tables start cold), same identity structure. */
function cloneArgs(calls: Call[]): unknown[][] {
  const copies = new Map<S, S>();
  const cp = (x: unknown): unknown => {
    if (!isScalar(x)) return x;
    let c = copies.get(x);
    if (!c) copies.set(x, (c = { ...x, tnum: { ...x.tnum } }));
    return c;
  };
  return calls.map((c) => c.args.map(cp));
}

/** Replays only the calls of one group (memo off), timing the whole loop: ns/op without timer overhead. */
function replayGroup(calls: Call[]): number {
  aluConfig.memo = false;
  const args = cloneArgs(calls);
  const fns = Scalar as unknown as Record<string, (...a: unknown[]) => unknown>;
  const t0 = performance.now();
  for (let i = 0; i < calls.length; i++) fns[calls[i]!.m]!(...args[i]!);
  const t = performance.now() - t0;
  aluConfig.memo = MEMO_DEFAULT;
  return t;
}

/** Whole-trace time without per-call timers (the figure to compare before/after). */
function replayPlain(calls: Call[], memo: boolean): number {
  aluConfig.memo = memo;
  const args = cloneArgs(calls);
  const fns = Scalar as unknown as Record<string, (...a: unknown[]) => unknown>;
  const t0 = performance.now();
  for (let i = 0; i < calls.length; i++) fns[calls[i]!.m]!(...args[i]!);
  const t = performance.now() - t0;
  aluConfig.memo = MEMO_DEFAULT;
  return t;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const { calls, run } = await record();
  const counts = new Map<string, number>();
  for (const c of calls) counts.set(c.group, (counts.get(c.group) ?? 0) + 1);
  console.log(`domain: ${calls.length} recorded domain calls on xdp_firewall, ${counts.size} (op, operand shape) groups`);
  // How often a call repeats its operand objects (what a per-object memo table could hit).
  for (const m of ['join', 'subsumes', 'alu', 'branch'] as const) {
    const seen = new Map<unknown, Set<unknown>>();
    let n = 0, rep = 0;
    for (const c of calls) {
      if (c.m !== m) continue;
      n++;
      const [x, y] = c.args.filter(isScalar);
      let inner = seen.get(x);
      if (!inner) seen.set(x, (inner = new Set()));
      if (inner.has(y)) rep++; else inner.add(y);
    }
    console.log(`domain: ${m}: ${n} calls, ${rep} repeat an earlier call's operand objects`);
  }
  {
    let n = 0, eq = 0, sub = 0;
    for (const c of calls) {
      if (c.m !== 'join') continue;
      n++;
      const [a, b] = c.args as [S, S];
      if (Scalar.equals(a, b)) eq++;
      else if (Scalar.subsumes(a, b) || Scalar.subsumes(b, a)) sub++;
    }
    console.log(`domain: join: ${eq} of ${n} calls have equal operands, ${sub} more have one subsuming the other`);
  }
  replayPlain(calls, false); // warm-up
  replayPlain(calls, true);
  for (const memo of [false, true]) {
    const totals: number[] = [];
    for (let i = 0; i < ROUNDS; i++) totals.push(replayPlain(calls, memo));
    const t = median(totals);
    console.log(`domain: memo ${memo ? 'on ' : 'off'}: replay median ${t.toFixed(1)} ms, ${(t * 1e6 / calls.length).toFixed(0)} ns/call over ${ROUNDS} rounds`);
  }
  // The verifier end to end with the alu/branch memo tables on and off (same process, alternating).
  const ends: Record<string, number[]> = { on: [], off: [] };
  for (let i = 0; i < ROUNDS; i++) {
    for (const memo of [true, false]) {
      aluConfig.memo = memo;
      const t0 = performance.now();
      run();
      ends[memo ? 'on' : 'off']!.push(performance.now() - t0);
    }
  }
  aluConfig.memo = MEMO_DEFAULT;
  console.log(`domain: verify(xdp_firewall) median: memo on ${median(ends.on!).toFixed(1)} ms, memo off ${median(ends.off!).toFixed(1)} ms`);
  // Per-group breakdown: each group's calls replayed alone (memo off), median of the rounds.
  const byGroup = new Map<string, Call[]>();
  for (const c of calls) {
    let a = byGroup.get(c.group);
    if (!a) byGroup.set(c.group, (a = []));
    a.push(c);
  }
  const rows = [...byGroup].map(([g, cs]) => {
    replayGroup(cs);
    const ts: number[] = [];
    for (let i = 0; i < ROUNDS; i++) ts.push(replayGroup(cs));
    return { g, n: cs.length, ms: median(ts) };
  }).sort((a, b) => b.ms - a.ms);
  console.log('domain: top groups (memo off, each group replayed alone): group, calls, ms, ns/call');
  for (const r of rows.slice(0, Number(process.env.BENCH_TOP ?? 25))) {
    console.log(`  ${r.g.padEnd(34)} ${String(r.n).padStart(7)} ${r.ms.toFixed(2).padStart(8)} ${(r.ms * 1e6 / r.n).toFixed(0).padStart(6)}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
