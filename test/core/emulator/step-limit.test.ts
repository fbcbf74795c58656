// The step limit falling on every instruction: both tiers must stop at the same instruction, after the
// same instructions, with the same fault (slot, line, message), registers, memory, maps and output.
// The JIT counts a block's steps on entry; a block that would cross the limit (or a cancellation poll)
// runs instruction by instruction instead, and these sweeps put the limit on every slot of programs
// whose blocks store to memory and end in helper calls, bpf-to-bpf calls, callx, tail calls and
// atomics, with lddw in the middle of blocks.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bareProgram, runBare } from '../../../server/src/core/emulator/bare';
import { createMaps, run, type RunOptions, type RunResult } from '../../../server/src/core/emulator/index';
import type { Insn } from '../../../server/src/core/isa/insn';
import { loadObject } from '../../../server/src/core/loader/index';
import type { LoadedObject } from '../../../server/src/core/program';
import { compile } from '../../../server/src/toolchain';
import { clangAvailable } from '../../emulator/build';

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
const EXIT = I(0x95);
const lddw = (dst: number, src: number, v: bigint): Insn[] => [
  { code: 0x18, dst, src, off: 0, imm: Number(v & 0xffffffffn) | 0, imm64: v },
  { code: 0, dst: 0, src: 0, off: 0, imm: Number((v >> 32n) & 0xffffffffn) | 0, tail: true },
];

/** Runs `insns` with every step limit from 1 to one past its length on both tiers and compares all
 *  (a run of N steps faults for limits below N). */
function sweepBare(insns: Insn[], mem = new Uint8Array(64).map((_, i) => i * 7)): number {
  const prog = bareProgram(insns, 'sweep');
  const full = runBare(prog, mem, { tier: 'interp' });
  const jit = runBare(prog, mem, { tier: 'jit' });
  expect({ ...jit, mem: [...jit.mem] }).toEqual({ ...full, mem: [...full.mem] });
  for (let limit = 1; limit <= full.steps + 1; limit++) {
    const a = runBare(prog, mem, { tier: 'interp', stepLimit: limit });
    const b = runBare(prog, mem, { tier: 'jit', stepLimit: limit });
    expect({ limit, ...b, mem: [...b.mem] }).toEqual({ limit, ...a, mem: [...a.mem] });
    if (limit < full.steps) expect({ limit, kind: a.fault?.kind, steps: a.steps }).toEqual({ limit, kind: 'step-limit', steps: limit });
  }
  return full.steps;
}

describe('step limit on every instruction (bare programs)', () => {
  it('blocks with lddw, stores, atomics, a helper call, a bpf-to-bpf call and a callx, in a loop', () => {
    const fn = 23, fn2 = 29;
    const insns: Insn[] = [
      I(0xbf, 7, 1), // 0: r7 = mem
      I(0xb7, 6, 0, 0, 3), // 1: r6 = 3
      ...lddw(8, 0, 0x1122334455667788n), // 2-3: r8 = imm64 (loop head)
      I(0x7b, 10, 8, -8), // 4: *(u64 *)(r10 - 8) = r8
      I(0x62, 7, 0, 0, 7), // 5: *(u32 *)(r7 + 0) = 7
      I(0xdb, 10, 6, -8, 0), // 6: lock *(u64 *)(r10 - 8) += r6
      I(0x79, 0, 10, -8), // 7: r0 = *(u64 *)(r10 - 8)
      I(0x7b, 7, 0, 8), // 8: *(u64 *)(r7 + 8) = r0
      I(0x85, 0, 0, 0, 5), // 9: call 5 (a fixed clock in bare runs)
      I(0xbf, 1, 6), // 10: r1 = r6
      I(0x73, 7, 6, 16), // 11: *(u8 *)(r7 + 16) = r6
      I(0x85, 0, 1, 0, fn - 13), // 12: call fn
      I(0x7b, 7, 0, 24), // 13: *(u64 *)(r7 + 24) = r0
      ...lddw(2, 4, BigInt(fn2 - 15)), // 14-15: r2 = &fn2
      I(0xbf, 1, 6), // 16: r1 = r6
      I(0x8d, 2), // 17: callx r2
      I(0xc3, 7, 6, 32, 0), // 18: lock *(u32 *)(r7 + 32) += r6
      I(0x17, 6, 0, 0, 1), // 19: r6 -= 1
      I(0x55, 6, 0, 2 - 21, 0), // 20: if r6 != 0 goto 2
      I(0x79, 0, 7, 8), // 21: r0 = *(u64 *)(r7 + 8)
      EXIT, // 22
      // fn: r0 = r1 * 3 + its own stack round trip
      I(0xbf, 0, 1), I(0x27, 0, 0, 0, 3), I(0x7b, 10, 0, -8), I(0x79, 1, 10, -8), I(0x0f, 0, 1), EXIT, // 23-28
      // fn2: *(u64 *)(r7 + 40) = r1; r0 = r1 << 2
      I(0x7b, 7, 1, 40), I(0xbf, 0, 1), I(0x67, 0, 0, 0, 2), EXIT, // 29-32
    ];
    expect(sweepBare(insns)).toBeGreaterThan(60);
  });

  it('a callx into the middle of a block runs from there in both tiers', () => {
    const insns: Insn[] = [
      ...lddw(2, 0, 0xfe000000_00000006n), // 0-1: r2 = a forged function pointer to slot 6
      I(0x8d, 2), // 2: callx r2
      I(0x07, 0, 0, 0, 100), // 3: r0 += 100
      EXIT, // 4
      I(0xb7, 0, 0, 0, 1), // 5: r0 = 1 (skipped)
      I(0x07, 0, 0, 0, 2), I(0x07, 0, 0, 0, 3), EXIT, // 6-8
    ];
    sweepBare(insns);
    expect(runBare(bareProgram(insns), new Uint8Array(0), { tier: 'jit' }).r0).toBe(105n);
  });

  it('running off the end, with limits before and on the missing instruction', () => {
    expect(sweepBare([I(0xb7, 0, 0, 0, 1), I(0x07, 0, 0, 0, 2)])).toBe(3);
  });

  it('a long loop: limits on both sides of the first poll (65536 steps), where later polls fall', () => {
    // r1 = 50000; loop { stores and ALU in one block } while --r1
    const insns: Insn[] = [
      I(0xb7, 0, 0, 0, 0), I(0xb7, 1, 0, 0, 50_000),
      I(0x7b, 10, 1, -8), I(0x07, 0, 0, 0, 3), I(0x79, 2, 10, -8), I(0x0f, 0, 2), I(0x7b, 10, 0, -16), I(0xaf, 0, 1),
      I(0x17, 1, 0, 0, 1), I(0x55, 1, 0, -8, 0), EXIT,
    ];
    const prog = bareProgram(insns);
    for (let limit = 65_536 - 10; limit <= 65_536 + 3 * 8 + 10; limit++) {
      for (const extra of [0, 65_536, 2 * 65_536 + 5]) {
        const a = runBare(prog, new Uint8Array(0), { tier: 'interp', stepLimit: limit + extra });
        const b = runBare(prog, new Uint8Array(0), { tier: 'jit', stepLimit: limit + extra });
        expect({ limit: limit + extra, ...b }).toEqual({ limit: limit + extra, ...a });
        expect(a.fault?.kind).toBe('step-limit');
      }
    }
  });
});

describe.skipIf(!clangAvailable())(`step limit on every instruction (XDP programs)${clangAvailable() ? '' : ' (skipped: clang not found)'}`, () => {
  let obj: LoadedObject;
  beforeAll(async () => {
    const built = await compile({ file: join(__dirname, 'progs', 'step_exact.c') });
    if (!built.ok || !built.object) throw new Error(built.problems.map((p) => p.message).join('; '));
    const r = loadObject(built.object);
    if (!r.ok) throw new Error(r.error.message);
    obj = r.value;
  }, 60_000);

  const packet = Uint8Array.from({ length: 64 }, (_, i) => (i * 13 + 5) & 0xff);
  function go(name: string, tier: 'interp' | 'jit', opts: Partial<RunOptions> = {}): RunResult {
    const prog = obj.programs.find((p) => p.name === name)!;
    const maps = createMaps(obj);
    maps.setProg(maps.byName('next')!, 0, 'stage2');
    return run(prog, obj, { packet, maps, tier, ...opts });
  }
  const comparable = (r: RunResult) => ({ ...r, nsPerRun: 0, packet: [...r.packet] });

  for (const repeat of [1, 2]) {
    it(`stage1 (map update, bpf_loop, bpf-to-bpf calls, atomics on a map value and global data, bpf_printk, a tail call to stage2), repeat ${repeat}`, () => {
      const full = go('stage1', 'interp', { repeat });
      expect(full.faults).toEqual([]);
      expect(full.action).toBe('XDP_TX');
      expect(full.output.printk).toHaveLength(2 * repeat);
      expect(comparable(go('stage1', 'jit', { repeat }))).toEqual(comparable(full));
      const slots = new Set<string>();
      for (let limit = 1; limit <= full.totalSteps + 1; limit++) {
        const a = go('stage1', 'interp', { repeat, stepLimit: limit });
        const b = go('stage1', 'jit', { repeat, stepLimit: limit });
        expect({ limit, ...comparable(b) }).toEqual({ limit, ...comparable(a) });
        if (limit < full.totalSteps) {
          expect(a.faults[0]).toMatchObject({ kind: 'step-limit' });
          expect(a.totalSteps).toBe(limit);
          slots.add(`${a.faults[0].program}:${a.faults[0].slot}`);
        }
      }
      // The limit fell in stage1, in its callback and callee, and in the tail-called stage2.
      expect([...slots].filter((s) => s.startsWith('stage2:')).length).toBeGreaterThan(15);
      expect(slots.size).toBeGreaterThan(100);
    });
  }

  it('cancellation: both tiers stop at the same poll, instruction and step count', () => {
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(cancel, 0, 1);
    const a = go('spin', 'interp', { cancel });
    const b = go('spin', 'jit', { cancel });
    expect(a.faults[0]).toMatchObject({ kind: 'cancelled' });
    expect(a.steps).toBe(65_536);
    expect(comparable(b)).toEqual(comparable(a));
  });

  it('spin: step limits after polls have moved the poll point', () => {
    for (let limit = 3 * 65_536 - 40; limit <= 3 * 65_536 + 40; limit++) {
      expect({ limit, ...comparable(go('spin', 'jit', { stepLimit: limit })) }).toEqual({ limit, ...comparable(go('spin', 'interp', { stepLimit: limit })) });
    }
  });
});
