// Exact 64-bit arithmetic on (lo, hi) int32 pairs for the operations that the inline templates do
// not cover. Multiplication's high word is computed from 16-bit limbs (every partial product stays
// below 2^53, so doubles are exact); 64-bit division and modulo fall back to BigInt, which is exact
// and only reached when an operand does not fit in 32 bits.

import { AtomicOp } from '../isa/opcodes';
import { EmuFault, type Memory } from './memory';

/** High 32 bits of the unsigned 64-bit product of two uint32 values. */
export function mulhi(a: number, b: number): number {
  a >>>= 0;
  b >>>= 0;
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (p11 + Math.floor(p01 / 65536) + Math.floor(p10 / 65536) + Math.floor(mid / 65536)) | 0;
}

function toU(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

function toS(lo: number, hi: number): bigint {
  return BigInt.asIntN(64, toU(lo, hi));
}

function put(v: bigint, out: Int32Array): void {
  const u = BigInt.asUintN(64, v);
  out[0] = Number(u & 0xffffffffn) | 0;
  out[1] = Number(u >> 32n) | 0;
}

export function udiv64(al: number, ah: number, bl: number, bh: number, out: Int32Array): void {
  const b = toU(bl, bh);
  put(b === 0n ? 0n : toU(al, ah) / b, out);
}

export function umod64(al: number, ah: number, bl: number, bh: number, out: Int32Array): void {
  const b = toU(bl, bh);
  put(b === 0n ? toU(al, ah) : toU(al, ah) % b, out);
}

export function sdiv64(al: number, ah: number, bl: number, bh: number, out: Int32Array): void {
  const b = toS(bl, bh);
  // BigInt division truncates toward zero like C; INT64_MIN / -1 wraps back to INT64_MIN in put().
  put(b === 0n ? 0n : toS(al, ah) / b, out);
}

export function smod64(al: number, ah: number, bl: number, bh: number, out: Int32Array): void {
  const b = toS(bl, bh);
  put(b === 0n ? toS(al, ah) : toS(al, ah) % b, out);
}

/**
 * STX|ATOMIC on [hi:lo + off]: performs the read-modify-write and leaves the old value in out
 * (zero-extended for 32-bit operations). CMPXCHG compares with (cl, ch) and stores only on equality.
 */
export function atomic(mem: Memory, hi: number, lo: number, off: number, size: number, slot: number, imm: number,
  sl: number, sh: number, cl: number, ch: number, out: Int32Array): void {
  mem.load(hi, lo, off, size, slot, out);
  const ol = out[0], oh = size === 8 ? out[1] : 0;
  let nl = 0, nh = 0;
  const w = size === 8;
  switch (imm & ~AtomicOp.FETCH) {
    case AtomicOp.ADD: {
      const t = (ol >>> 0) + (sl >>> 0);
      nl = t | 0;
      nh = w ? (oh + sh + (t > 0xffffffff ? 1 : 0)) | 0 : 0;
      break;
    }
    case AtomicOp.OR: nl = ol | sl; nh = w ? oh | sh : 0; break;
    case AtomicOp.AND: nl = ol & sl; nh = w ? oh & sh : 0; break;
    case AtomicOp.XOR: nl = ol ^ sl; nh = w ? oh ^ sh : 0; break;
    case AtomicOp.XCHG & ~AtomicOp.FETCH:
      if (imm !== AtomicOp.XCHG) throw new EmuFault('invalid-insn', slot, `invalid atomic operation 0x${imm.toString(16)}`);
      nl = sl; nh = w ? sh : 0;
      break;
    case AtomicOp.CMPXCHG & ~AtomicOp.FETCH:
      if (imm !== AtomicOp.CMPXCHG) throw new EmuFault('invalid-insn', slot, `invalid atomic operation 0x${imm.toString(16)}`);
      if (ol !== cl || (w && oh !== ch)) {
        out[0] = ol; out[1] = oh;
        return;
      }
      nl = sl; nh = w ? sh : 0;
      break;
    default:
      throw new EmuFault('invalid-insn', slot, `invalid atomic operation 0x${imm.toString(16)}`);
  }
  if ((imm & AtomicOp.FETCH) === 0 && imm !== AtomicOp.ADD && imm !== AtomicOp.OR && imm !== AtomicOp.AND && imm !== AtomicOp.XOR) {
    throw new EmuFault('invalid-insn', slot, `invalid atomic operation 0x${imm.toString(16)}`);
  }
  mem.store(hi, lo, off, size, slot, nl, nh);
  out[0] = ol;
  out[1] = oh;
}

/** The 64-bit value of a (lo, hi) pair as a bigint (unsigned). */
export function pairToBigInt(lo: number, hi: number): bigint {
  return toU(lo, hi);
}
