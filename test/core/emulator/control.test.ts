// Control flow the conformance vectors do not cover: may_goto as the kernel rewrites it (a per-frame
// counter of BPF_MAX_LOOPS = 8M), gotol, callx through a function pointer (lddw src=FUNC), bpf-to-bpf
// frames with their own stacks, the call-depth limit, and invalid encodings reached at run time.
import { describe, expect, it } from 'vitest';
import type { Insn } from '../../../server/src/core/isa/insn';
import { bareProgram, runBare } from '../../../server/src/core/emulator/bare';

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
const EXIT = I(0x95);

function both(insns: Insn[], stepLimit = 100_000_000) {
  const prog = bareProgram(insns);
  const a = runBare(prog, new Uint8Array(0), { tier: 'interp', stepLimit });
  const b = runBare(prog, new Uint8Array(0), { tier: 'jit', stepLimit });
  expect({ r0: b.r0, fault: b.fault, steps: b.steps }).toEqual({ r0: a.r0, fault: a.fault, steps: a.steps });
  return a;
}

describe('control flow', () => {
  it('may_goto falls through BPF_MAX_LOOPS (8388608) times, then jumps', () => {
    // r0 = 0; loop: may_goto +2; r0 += 1; ja -3; exit
    const r = both([I(0xb7, 0, 0, 0, 0), I(0xe5, 0, 0, 2, 0), I(0x07, 0, 0, 0, 1), I(0x05, 0, 0, -3, 0), EXIT]);
    expect(r.r0).toBe(8388608n);
  });

  it('gotol takes its offset from imm', () => {
    // gotol +1 skips "r0 = 1"
    const r = both([I(0xb7, 0, 0, 0, 7), I(0x06, 0, 0, 0, 1), I(0xb7, 0, 0, 0, 1), EXIT]);
    expect(r.r0).toBe(7n);
  });

  it('callx through a function pointer; callee frames have their own stack', () => {
    const insns: Insn[] = [
      { code: 0x18, dst: 2, src: 4, off: 0, imm: 6 }, { code: 0, dst: 0, src: 0, off: 0, imm: 0, tail: true }, // r2 = &fn (slot 0+1+6 = 7)
      I(0x7a, 10, 0, -8, 5), // *(u64 *)(r10 - 8) = 5
      I(0x8d, 2), // callx r2
      I(0x79, 1, 10, -8), // r1 = *(u64 *)(r10 - 8)  (still 5: the callee wrote its own stack)
      I(0x0f, 0, 1), // r0 += r1
      EXIT,
      // fn: *(u64 *)(r10 - 8) = 100; r0 = 30; exit
      I(0x7a, 10, 0, -8, 100), I(0xb7, 0, 0, 0, 30), EXIT,
    ];
    expect(both(insns).r0).toBe(35n);
  });

  it('calls deeper than 8 frames fault', () => {
    // Each frame calls the next: slot 0 calls slot 1 which calls slot 2 ... recursion on itself.
    const r = both([I(0x85, 0, 1, 0, -1), EXIT]);
    expect(r.fault?.kind).toBe('stack-depth');
  });

  it('a jump into the second half of an lddw is an invalid instruction at run time', () => {
    const r = both([I(0x05, 0, 0, 1, 0), { code: 0x18, dst: 0, src: 0, off: 0, imm: 1, imm64: 1n }, { code: 0, dst: 0, src: 0, off: 0, imm: 0, tail: true }, EXIT]);
    expect(r.fault?.kind).toBe('invalid-insn');
    expect(r.fault?.message).toContain('jump target 2');
  });

  it('falling off the end faults, and so do unknown opcodes', () => {
    expect(both([I(0xb7, 0, 0, 0, 1)]).fault?.message).toContain('ran past the last instruction');
    expect(both([I(0xff, 0, 0, 0, 0), EXIT]).fault?.message).toContain('opcode 0xff');
  });

  it('a callx to a forged function pointer outside the program is a fault, not a crash', () => {
    const call = (target: bigint) => both([
      { code: 0x18, dst: 2, src: 0, off: 0, imm: Number(target & 0xffffffffn) | 0, imm64: (0xfe000000n << 32n) | target },
      { code: 0, dst: 0, src: 0, off: 0, imm: 0xfe000000 | 0, tail: true },
      I(0x8d, 2), EXIT,
    ]);
    expect(call(0xffffffffn).fault?.message).toContain('execution left the program (slot -1)');
    expect(call(40n).fault?.message).toContain('ran past the last instruction (slot 40)');
    expect(call(1n).fault?.message).toContain('invalid instruction'); // the lddw's second slot
  });

  it('a write through r10 above the frame is a stack fault with its offset', () => {
    const r = both([I(0x7a, 10, 0, 8, 1), I(0xb7, 0, 0, 0, 0), EXIT]);
    expect(r.fault).toMatchObject({ kind: 'memory', region: 'stack[0]', offset: 520, size: 8 });
  });
});
