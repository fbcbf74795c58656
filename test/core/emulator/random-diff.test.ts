// Interpreter vs JIT on randomly generated programs (seeded): straight-line code with forward
// branches over every ALU/ALU64 operation (incl. v4 sdiv/smod/movsx/bswap), loads and stores of
// every size to the stack and a memory buffer, sign-extending loads, atomics, and now and then an
// out-of-bounds access. Both tiers must agree on r0, the memory buffer, the step count and any fault,
// and, with the step limit on each instruction, on where they stop and every register there.
import { describe, expect, it } from 'vitest';
import type { Insn } from '../../../server/src/core/isa/insn';
import { bareProgram, runBare } from '../../../server/src/core/emulator/bare';

class Rng {
  constructor(private s: number) {}
  next(): number {
    let x = this.s;
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    this.s = x;
    return x;
  }
  int(n: number): number { return this.next() % n; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }
  imm(): number {
    return this.pick([0, 1, -1, 2, 7, 31, 32, 63, 64, 0x7fffffff, -0x80000000, 0x12345678, -5, 255, 65535]) | (this.int(4) === 0 ? this.next() | 0 : 0);
  }
}

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
const ALU_OPS = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0];
const JMP_OPS = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0];
const SIZES = [[0x18, 8], [0x00, 4], [0x08, 2], [0x10, 1]] as const;

/** r9 = memory buffer (64 bytes), r10 = stack; neither is ever written. r0..r8 are scratch. */
function generate(seed: number): Insn[] {
  const r = new Rng(seed);
  const out: Insn[] = [I(0xbf, 9, 1)];
  const lddw = (dst: number, v: bigint) => {
    const lo = Number(v & 0xffffffffn) | 0, hi = Number((v >> 32n) & 0xffffffffn) | 0;
    out.push({ code: 0x18, dst, src: 0, off: 0, imm: lo, imm64: v }, { code: 0, dst: 0, src: 0, off: 0, imm: hi, tail: true });
  };
  for (let d = 0; d < 9; d++) lddw(d, (BigInt(r.next()) << 32n) | BigInt(r.next()));
  const n = 40 + r.int(60);
  const pending: { at: number; to: number }[] = [];
  for (let i = 0; i < n; i++) {
    const kind = r.int(20);
    const dst = r.int(9);
    const src = r.int(9);
    if (kind < 9) {
      const cls = r.pick([0x04, 0x07]);
      const op = r.pick(ALU_OPS);
      const x = r.int(2) === 1;
      let off = 0;
      if ((op === 0x30 || op === 0x90) && r.int(2)) off = 1;
      if (op === 0xb0 && x && r.int(2)) off = r.pick(cls === 0x07 ? [8, 16, 32] : [8, 16]);
      if (op === 0x80) { out.push(I(cls | op, dst)); continue; }
      out.push(I(cls | op | (x ? 8 : 0), dst, x ? src : 0, off, x ? 0 : r.imm()));
    } else if (kind < 10) {
      // Byte swaps: to-le / to-be (ALU) and bswap (ALU64).
      out.push(I(r.pick([0xd4, 0xdc, 0xd7]), dst, 0, 0, r.pick([16, 32, 64])));
    } else if (kind < 13) {
      const [sz, bytes] = r.pick(SIZES);
      const base = r.int(2) ? 10 : 9;
      let off = base === 10 ? -8 * (1 + r.int(8)) : 8 * r.int(8);
      off += bytes < 8 ? bytes * r.int(8 / bytes) : 0;
      if (r.int(40) === 0) off += base === 10 ? 16 : 64; // out of bounds now and then
      const what = r.int(3);
      if (what === 0) out.push(I(0x61 | sz, dst, base, off)); // LDX|MEM|size
      else if (what === 1) out.push(I(0x63 | sz, base, src, off));
      else out.push(I(0x62 | sz, base, 0, off, r.imm()));
    } else if (kind < 14) {
      const [sz, bytes] = r.pick(SIZES.filter((s) => s[1] < 8));
      const off = -8 * (1 + r.int(8)) + bytes * r.int(8 / bytes);
      out.push(I(0x81 | sz, dst, 10, off)); // LDX|MEMSX
    } else if (kind < 16) {
      const w = r.int(2) ? 0x18 : 0x00;
      const op = r.pick([0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1]);
      out.push(I(0xc3 | w, 10, src, -8 * (1 + r.int(8)), op));
    } else {
      const cls = r.pick([0x05, 0x06]);
      const x = r.int(2) === 1;
      pending.push({ at: out.length, to: i + 1 + r.int(Math.max(1, n - i)) });
      out.push(I(cls | r.pick(JMP_OPS) | (x ? 8 : 0), dst, x ? src : 0, 0, x ? 0 : r.imm()));
    }
  }
  // Fold every register into r0 so the result depends on all of them.
  const foldAt = out.length;
  for (let d = 1; d < 9; d++) out.push(I(0xaf, 0, d));
  out.push(I(0x95));
  // Resolve forward jumps: target index i counts generated items, map to slots (clamped to the fold).
  for (const p of pending) {
    const target = Math.min(foldAt, p.at + 1 + (p.to % 5) + 1);
    const t = out[target]?.tail ? target + 1 : target;
    (out[p.at] as { off: number }).off = t - p.at - 1;
  }
  return out;
}

describe('interpreter vs JIT on random programs', () => {
  it('agree on 400 seeded programs', () => {
    let faults = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const insns = generate(seed * 2654435761);
      const prog = bareProgram(insns, `rand${seed}`);
      const mem = new Uint8Array(64).map((_, i) => (i * 37 + seed) & 0xff);
      const a = runBare(prog, mem, { tier: 'interp' });
      const b = runBare(prog, mem, { tier: 'jit' });
      if (a.fault) faults++;
      expect({ seed, r0: b.r0, fault: b.fault, steps: b.steps, mem: [...b.mem] }).toEqual({ seed, r0: a.r0, fault: a.fault, steps: a.steps, mem: [...a.mem] });
    }
    // Some programs must exercise the fault path, most must not.
    expect(faults).toBeGreaterThan(5);
    expect(faults).toBeLessThan(300);
  });

  it('agree with the step limit on every instruction of 60 seeded programs', () => {
    // The JIT runs a block that would cross the limit one instruction at a time; the limit falls in
    // blocks of stores, atomics, lddw and ALU code here, and all state must match the interpreter's.
    for (let seed = 401; seed <= 460; seed++) {
      const prog = bareProgram(generate(seed * 2654435761), `rand${seed}`);
      const mem = new Uint8Array(64).map((_, i) => (i * 37 + seed) & 0xff);
      const total = runBare(prog, mem, { tier: 'interp' }).steps;
      for (let stepLimit = 1; stepLimit < total; stepLimit++) {
        const a = runBare(prog, mem, { tier: 'interp', stepLimit });
        const b = runBare(prog, mem, { tier: 'jit', stepLimit });
        expect({ seed, stepLimit, ...b, mem: [...b.mem] }).toEqual({ seed, stepLimit, ...a, mem: [...a.mem] });
      }
    }
  });
});
