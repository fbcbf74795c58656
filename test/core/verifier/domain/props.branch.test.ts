// Property: branch refinement is sound and is_branch_taken never lies. For random abstract operands
// and concrete members (x, y): if `x op y` holds then taken != 0 and (x, y) lies in the refined true
// edge; otherwise taken != 1 and (x, y) lies in the refined false edge (>= 1,000,000 pairs per op/width).

import { describe, expect, it } from 'vitest';
import { JmpOp } from '../../../../server/src/core/isa/opcodes';
import { Scalar } from '../../../../server/src/core/verifier/domain/scalar';
import { Rng, bank, desc, member } from './gen';

const SAMPLES = 1_000_000;
const OPS: [string, number][] = [
  ['jeq', JmpOp.JEQ], ['jne', JmpOp.JNE], ['jgt', JmpOp.JGT], ['jge', JmpOp.JGE], ['jlt', JmpOp.JLT],
  ['jle', JmpOp.JLE], ['jsgt', JmpOp.JSGT], ['jsge', JmpOp.JSGE], ['jslt', JmpOp.JSLT], ['jsle', JmpOp.JSLE],
  ['jset', JmpOp.JSET],
];

function s64(x: bigint): bigint {
  return x >= 0x8000000000000000n ? x - 0x10000000000000000n : x;
}

/** Concrete condition on the full registers (64) or their low words (32). */
export function cond(op: number, x: bigint, y: bigint, is32: boolean): boolean {
  let ux = x, uy = y, sx: bigint, sy: bigint;
  if (is32) {
    ux = x & 0xffffffffn; uy = y & 0xffffffffn;
    sx = BigInt.asIntN(32, ux); sy = BigInt.asIntN(32, uy);
  } else {
    sx = s64(x); sy = s64(y);
  }
  switch (op) {
    case JmpOp.JEQ: return ux === uy;
    case JmpOp.JNE: return ux !== uy;
    case JmpOp.JGT: return ux > uy;
    case JmpOp.JGE: return ux >= uy;
    case JmpOp.JLT: return ux < uy;
    case JmpOp.JLE: return ux <= uy;
    case JmpOp.JSGT: return sx > sy;
    case JmpOp.JSGE: return sx >= sy;
    case JmpOp.JSLT: return sx < sy;
    case JmpOp.JSLE: return sx <= sy;
    case JmpOp.JSET: return (ux & uy) !== 0n;
    default: throw new Error('op');
  }
}

const r0 = new Rng(0x5eed0002);
const BANK = bank(r0, 3000, 24);

describe('branch refinement soundness (property, seeded)', () => {
  for (const [name, op] of OPS) {
    for (const is32 of [false, true]) {
      it(`${name}${is32 ? '32' : ''}: ${SAMPLES} pairs respect taken and the refined edges`, () => {
        const r = new Rng(0x2000 + op + (is32 ? 1 : 0));
        let n = 0;
        let decided = 0;
        let refinedAway = 0;
        while (n < SAMPLES) {
          const a = BANK[r.int(BANK.length)]!;
          let b = BANK[r.int(BANK.length)]!;
          if (r.int(2) === 0) {
            // against a constant, the common case (and the one JSET/JNE refinement needs)
            const k = r.int(3) === 0 ? BigInt(1 << r.int(31)) : b.xs[r.int(b.xs.length)]!;
            b = { s: Scalar.const(k), xs: [k] };
          }
          const br = Scalar.branch(op, a.s, b.s, is32);
          if (br.taken !== -1) decided++;
          else if (!br.ifTrue || !br.ifFalse) refinedAway++;
          for (const x of a.xs) {
            for (const y of b.xs) {
              n++;
              const c = cond(op, x, y, is32);
              const e = c ? br.ifTrue : br.ifFalse;
              if ((c && br.taken === 0) || (!c && br.taken === 1) || !e || !member(e[0], x) || !member(e[1], y)) {
                expect.fail(`${name}${is32 ? '32' : ''} x=${x} y=${y} cond=${c} taken=${br.taken} edge=${e ? desc(e[0]) + ' / ' + desc(e[1]) : 'null'}\n a=${desc(a.s)}\n b=${desc(b.s)}`);
              }
            }
          }
        }
        // The generator must exercise both decided and undecided comparisons.
        expect(decided).toBeGreaterThan(0);
        expect(n).toBeGreaterThanOrEqual(SAMPLES);
        void refinedAway;
      });
    }
  }
});
