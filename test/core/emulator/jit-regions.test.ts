// The JIT cuts a program into region functions (REGION_INSNS instructions of consecutive blocks) run
// by a dispatcher; a block that would reach the poll point returns to it, and it runs that block
// instruction by instruction. These programs span several regions and check that both tiers agree on
// r0, the fault (its slot and message), the registers and the exact step count: loops across region
// boundaries, polls (every 65536 steps) landing in different blocks, step limits reached at many
// points (every slot of a loop iteration), bpf-to-bpf calls into another region and a fault after
// region changes.
import { describe, expect, it } from 'vitest';
import type { Insn } from '../../../server/src/core/isa/insn';
import { bareProgram, runBare } from '../../../server/src/core/emulator/bare';
import { REGION_INSNS } from '../../../server/src/core/emulator/jit';

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
const EXIT = I(0x95);

function both(insns: Insn[], stepLimit: number) {
  const prog = bareProgram(insns);
  const a = runBare(prog, new Uint8Array(0), { tier: 'interp', stepLimit });
  const b = runBare(prog, new Uint8Array(0), { tier: 'jit', stepLimit });
  expect({ r0: b.r0, fault: b.fault, steps: b.steps, regs: b.regs }).toEqual({ r0: a.r0, fault: a.fault, steps: a.steps, regs: a.regs });
  return a;
}

/** r1 = iterations; loop { `body` ALU blocks split by taken-never branches } while --r1 != 0; exit. */
function longLoop(iterations: number, bodyBlocks: number): Insn[] {
  const body: Insn[] = [];
  for (let b = 0; b < bodyBlocks; b++) {
    body.push(I(0x07, 0, 0, 0, b + 1), I(0xbf, 2, 0), I(0x67, 2, 0, 0, (b % 5) + 1), I(0xaf, 0, 2));
    body.push(I(0x15, 1, 0, 0, 0)); // if r1 == 0 goto +0: ends the block, never changes the path
  }
  const loop = [...body, I(0x17, 1, 0, 0, 1), I(0x55, 1, 0, -(body.length + 2), 0)];
  return [I(0xb7, 0, 0, 0, 0), I(0xb7, 1, 0, 0, iterations), ...loop, EXIT];
}

describe('JIT regions', () => {
  const blocks = Math.ceil((3 * REGION_INSNS) / 5); // the loop body spans about three regions
  const prog = longLoop(400, blocks);

  it('a loop across several regions runs to the same result and step count', () => {
    const r = both(prog, 100_000_000);
    expect(r.fault).toBeUndefined();
    expect(r.steps).toBe(2 + 400 * (5 * blocks + 2) + 1);
  });

  it('step limits reached anywhere in the loop stop both tiers at the same instruction after the same steps', () => {
    const total = 2 + 400 * (5 * blocks + 2) + 1;
    const iteration = 5 * blocks + 2;
    const limits = [65_535, 65_536, 65_537, 100_003, total - 1];
    for (let k = 1; k <= 2 + iteration + 3; k++) limits.push(k, 65_536 + k);
    for (const limit of limits) {
      const r = both(prog, limit);
      expect(r.fault?.kind).toBe('step-limit');
      expect(r.steps).toBe(limit);
    }
  });

  it('a bpf-to-bpf call into another region, made in a loop, then a fault in another region', () => {
    const filler: Insn[] = [];
    for (let i = 0; i < REGION_INSNS * 2; i++) filler.push(I(0x07, 3, 0, 0, 1));
    const insns: Insn[] = [
      I(0xb7, 6, 0, 0, 50), // r6 = 50 (callee-saved loop counter)
      I(0x85, 0, 1, 0, 4 + filler.length), // call fn
      I(0x0f, 7, 0), // r7 += r0
      I(0x17, 6, 0, 0, 1),
      I(0x55, 6, 0, -4, 0), // while --r6
      ...filler, // pushes fn into another region (never run: the jump below skips it)
      I(0x05, 0, 0, 0, 0), // placeholder replaced below
      // fn:
      I(0xb7, 0, 0, 0, 3), I(0x0f, 0, 6), EXIT,
    ];
    // The caller's code after the loop: jump over the filler to a load through r7 (a scalar): a fault.
    const after = 5;
    insns.splice(after, 0, I(0x05, 0, 0, filler.length, 0));
    insns.splice(after + 1 + filler.length, 1, I(0x79, 0, 7, 0));
    // Re-point the call: fn starts right after the faulting load.
    insns[1] = I(0x85, 0, 1, 0, after + 1 + filler.length + 1 - 2);
    const r = both(insns, 100_000_000);
    for (let limit = 1; limit < r.steps; limit++) expect(both(insns, limit).fault?.kind).toBe('step-limit');
    // r7 = sum over r6 = 50..1 of (3 + r6) = 1425, loaded through as a pointer: a null-page fault.
    expect(r.fault?.kind).toBe('null');
    expect(r.fault?.message).toContain('null pointer + 1425');
  });
});
