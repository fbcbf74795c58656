// Emulator speed: M instructions/s of both tiers on a tight ALU loop and on a realistic XDP parser
// (test/emulator/progs/parser.c), ns per packet, and — as root with the kernel oracle — the kernel's
// own BPF_PROG_TEST_RUN ns per packet for the same object in the same run.
// Targets (issue 4): interpreter ≥ 50 M insns/s, JIT ≥ 150 M insns/s.
import { readFileSync } from 'node:fs';
import { bareProgram, runBare } from '../server/src/core/emulator/bare';
import { createMaps, run } from '../server/src/core/emulator/index';
import type { Insn } from '../server/src/core/isa/insn';
import { loadObject } from '../server/src/core/loader';
import { buildProg, clangAvailable } from '../test/emulator/build';
import { generatePackets } from '../test/emulator/packets';
import { isRoot } from '../test/support/kernelSource';
import { kernelTestRun, oracleAvailable } from '../test/support/oracle';

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });

/** r1 = N; loop { r0 += r1; r2 = r0; r2 <<= 3; r0 ^= r2; r3 = r1; r3 &= 7; r0 += r3; r1 -= 1 } while r1 != 0. */
function aluLoop(n: number): Insn[] {
  return [
    I(0xb7, 0, 0, 0, 0), I(0xb7, 1, 0, 0, n),
    I(0x0f, 0, 1), I(0xbf, 2, 0), I(0x67, 2, 0, 0, 3), I(0xaf, 0, 2), I(0xbf, 3, 1), I(0x57, 3, 0, 0, 7), I(0x0f, 0, 3),
    I(0x17, 1, 0, 0, 1), I(0x55, 1, 0, -9, 0),
    I(0x95),
  ];
}

function fmt(n: number, d = 1): string {
  return n.toFixed(d);
}

const results: string[] = [];
for (const tier of ['interp', 'jit'] as const) {
  const prog = bareProgram(aluLoop(10_000_000), `alu-${tier}`);
  runBare(prog, new Uint8Array(0), { tier, stepLimit: 1e9 }); // warm-up (and JIT compile)
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    const r = runBare(prog, new Uint8Array(0), { tier, stepLimit: 1e9 });
    const ms = performance.now() - t0;
    best = Math.max(best, r.steps / ms / 1000);
  }
  results.push(`emulator ${tier.padEnd(6)} tight ALU loop: ${fmt(best)} M insns/s (target ${tier === 'interp' ? 50 : 150})`);
  console.log(results[results.length - 1]);
}

if (!clangAvailable()) {
  console.log('emulator parser bench: skipped (clang not found)');
} else {
  const objPath = buildProg('parser');
  const lr = loadObject(new Uint8Array(readFileSync(objPath)));
  if (!lr.ok) throw new Error(lr.error.message);
  const obj = lr.value;
  const prog = obj.programs.find((p) => p.name === 'xdp_parser')!;
  const packets = generatePackets(42, 64).filter((p) => p.bytes.length >= 14);
  for (const tier of ['interp', 'jit'] as const) {
    const maps = createMaps(obj);
    for (let w = 0; w < 3; w++) for (const p of packets) run(prog, obj, { packet: p.bytes, maps, tier, repeat: 1000 }); // warm-up (JIT: lets V8 optimise the generated function)
    let steps = 0, ns = 0, runs = 0;
    const REPEAT = 2000;
    for (const p of packets) {
      const r = run(prog, obj, { packet: p.bytes, maps, tier, repeat: REPEAT });
      steps += r.totalSteps;
      ns += r.nsPerRun * REPEAT;
      runs += REPEAT;
    }
    console.log(`emulator ${tier.padEnd(6)} parser (${packets.length} packets x ${REPEAT}): ${fmt(steps / (ns / 1e3))} M insns/s, ${fmt(ns / runs, 0)} ns/packet (incl. per-run setup)`);
  }
  const oracle = isRoot ? oracleAvailable() : { ok: false as const, reason: 'not root' };
  if (!oracle.ok) {
    console.log(`kernel test-run ns/packet: skipped (${oracle.reason})`);
  } else {
    let total = 0;
    for (const p of packets.slice(0, 16)) total += kernelTestRun(objPath, 'xdp_parser', p.bytes, 100_000).durationNs;
    console.log(`kernel BPF_PROG_TEST_RUN parser: ${fmt(total / 16, 0)} ns/packet (mean over 16 packets x 100000 repeats)`);
  }
}
