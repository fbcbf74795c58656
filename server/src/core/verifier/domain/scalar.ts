// The scalar abstract domain: a tnum (known bits) together with unsigned and signed bounds in
// 64 and 32 bits, kept in sync as the kernel's reg_bounds_sync() does.
// This file fixes the *type*; the transfer functions are filled in by the domain work (issue 3).

/** Known bits: a bit is known when its mask bit is 0, and then equals the value bit. value & mask == 0. */
export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

export interface Scalar {
  readonly tnum: Tnum;
  /** 64-bit bounds: unsigned in [0, 2^64), signed in [-2^63, 2^63). */
  readonly umin: bigint;
  readonly umax: bigint;
  readonly smin: bigint;
  readonly smax: bigint;
  /** 32-bit bounds of the low word: unsigned in [0, 2^32), signed in [-2^31, 2^31). */
  readonly u32min: number;
  readonly u32max: number;
  readonly s32min: number;
  readonly s32max: number;
}
