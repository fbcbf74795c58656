// The kernel's verifier-log rendering of a scalar register (kernel/bpf/log.c, Linux 6.12:
// print_reg_state / print_scalar_ranges / tnum_strn): a constant prints as its signed value, anything
// else as `scalar(...)` listing the non-trivial bounds, with equal values merged (`smin=smin32=0`).

import type { Scalar } from './scalar';
import { M64, tnumIsUnknown, tnumToString } from './tnum';
import { S32_MAX, S32_MIN, S64_MAX, S64_MIN, U32_MAX, toS64 } from './bounds';

function hex(x: bigint): string {
  return '0x' + (x & M64).toString(16);
}

/** Signed number: decimal within [-32768, 32767], otherwise the u64 bit pattern in hex. */
export function snumStr(x: bigint): string {
  return x >= -32768n && x <= 32767n ? x.toString() : hex(x);
}

/** Unsigned number: decimal up to 65535, otherwise hex. */
export function unumStr(x: bigint): string {
  return x <= 0xffffn ? x.toString() : hex(x);
}

interface Entry { name: string; val: bigint; omit: boolean; signed: boolean }

export function scalarToString(s: Scalar): string {
  if (s.tnum.mask === 0n) return snumStr(toS64(s.tnum.value));
  const s32min = BigInt(s.s32min);
  const s32max = BigInt(s.s32max);
  const inDec = (x: bigint): boolean => x >= -32768n && x <= 32767n;
  const e: Entry[] = [
    { name: 'smin', val: s.smin, omit: s.smin === S64_MIN, signed: true },
    { name: 'smax', val: s.smax, omit: s.smax === S64_MAX, signed: true },
    { name: 'umin', val: s.umin, omit: s.umin === 0n, signed: false },
    { name: 'umax', val: s.umax, omit: s.umax === M64, signed: false },
    // 32-bit signed values print sign-extended only when they print as decimals.
    { name: 'smin32', val: inDec(s32min) ? s32min : BigInt(s.s32min >>> 0), omit: s.s32min === S32_MIN, signed: true },
    { name: 'smax32', val: inDec(s32max) ? s32max : BigInt(s.s32max >>> 0), omit: s.s32max === S32_MAX, signed: true },
    { name: 'umin32', val: BigInt(s.u32min), omit: s.u32min === 0, signed: false },
    { name: 'umax32', val: BigInt(s.u32max), omit: s.u32max === U32_MAX, signed: false },
  ];
  const parts: string[] = [];
  for (let i = 0; i < e.length; i++) {
    const m1 = e[i]!;
    if (m1.omit) continue;
    // The kernel compares the u64 bit patterns of the stored values.
    const bits1 = m1.val & M64;
    const neg1 = m1.signed && m1.val < 0n;
    let text = m1.name + '=';
    for (let j = i + 2; j < e.length; j += 2) {
      const m2 = e[j]!;
      if (m2.omit || (m2.val & M64) !== bits1) continue;
      const neg2 = m2.signed && m2.val < 0n;
      if (neg2 !== neg1) continue;
      m2.omit = true;
      text += m2.name + '=';
    }
    text += m1.signed ? snumStr(m1.val) : unumStr(m1.val);
    parts.push(text);
  }
  if (!tnumIsUnknown(s.tnum)) parts.push('var_off=' + tnumToString(s.tnum));
  return `scalar(${parts.join(',')})`;
}
