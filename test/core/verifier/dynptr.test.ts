// Dynptrs on the stack (STACK_DYNPTR slots) and pruning: states merge only when their dynptr slots
// match (the same slots hold a dynptr, the same slot is its first, ids map consistently). The kernel
// verdicts of the C shapes are in test/fixtures/verifier/dynptr.c; these pin the pruning itself.

import { describe, expect, it } from 'vitest';
import type { Insn } from '../../../server/src/core/isa/insn';
import { verify } from '../../../server/src/core/verifier/index';
import { A, asm, object, program, r, type Items } from './asm';

const KFUNC_CALL = 0x85;

/** A kfunc call placeholder: `name` is resolved by slot (as the loader's kfunc table does). */
function kcall(name: string): Items {
  return { code: KFUNC_CALL, dst: 0, src: 2, off: 0, imm: name.length } as Insn;
}

function run(items: Items[], names: string[]) {
  const insns = asm(...items);
  const kfuncs: { slot: number; name: string }[] = [];
  let n = 0;
  insns.forEach((i, slot) => {
    if (i.code === KFUNC_CALL && i.src === 2) kfuncs.push({ slot, name: names[n++]! });
  });
  const p = program(insns, { kfuncs });
  return verify(p, object(p, []), { log: true });
}

/** bpf_dynptr_from_xdp(ctx (saved in r6), 0, fp+off). */
const fromXdp = (off: number): Items[] => [A.mov(1, r(6)), A.mov(2, 0), A.mov(3, r(10)), A.add(3, off), kcall('bpf_dynptr_from_xdp')];
/** bpf_dynptr_slice(fp+off, 0, NULL, 4); R0 checked against NULL, one byte read, exit. */
const sliceAndRead = (off: number): Items[] => [
  A.mov(1, r(10)), A.add(1, off), A.mov(2, 0), A.mov(3, 0), A.mov(4, 4), kcall('bpf_dynptr_slice'),
  A.jmp('jne', 0, 0, 'nn'), A.mov(0, 1), A.exit(), A.label('nn'), A.ldx(1, 0, 0, 3), A.exit(),
];
/**
 * Two paths split on ctx->rx_queue_index's low bit, joined at 'join' (a prune point); the
 * padding makes the first path store a checkpoint there (enough jumps and instructions since the last).
 */
function diamond(left: Items[], right: Items[], tail: Items[]): Items[] {
  const movs: Items[] = [0, 1, 2, 3].flatMap((k) => [A.mov(8, k), A.mov(9, k)]);
  const pad: Items[] = [...movs, A.ja('p1'), A.label('p1'), ...movs, A.ja('p2'), A.label('p2'), ...movs, A.ja('p3'), A.label('p3')];
  return [A.mov(6, r(1)), A.ldx(4, 7, 1, 16), A.jmp('jset', 7, 1, 'right'), ...left, ...pad, A.ja('join'), A.label('right'), ...right, ...pad.map(relabel), A.label('join'), ...tail];
}

function relabel(i: Items): Items {
  if ('label' in i) return { label: `${i.label}r` };
  if ('target' in i) return { ...i, target: `${i.target}r` };
  return i;
}

describe('dynptr stack slots in pruning', () => {
  it('the same dynptr slots on both paths: the second path is pruned at the join', () => {
    const res = run(diamond(fromXdp(-16), fromXdp(-16), sliceAndRead(-16)), ['bpf_dynptr_from_xdp', 'bpf_dynptr_from_xdp', 'bpf_dynptr_slice']);
    expect(res.verdict).toBe('accept');
    expect(res.log!.some((l) => l.endsWith(': safe'))).toBe(true);
  });

  it('a dynptr in other slots on one path: that path still reaches the slice and is rejected', () => {
    const res = run(diamond(fromXdp(-16), fromXdp(-32), sliceAndRead(-16)), ['bpf_dynptr_from_xdp', 'bpf_dynptr_from_xdp', 'bpf_dynptr_slice']);
    expect(res.verdict).toBe('reject');
    expect(res.findings[0]!.code).toBe('bpf/helper-arg');
    expect(res.findings[0]!.message).toContain('Expected an initialized dynptr as arg #0');
  });

  it('a dynptr shifted by one slot (first slot differs) is not pruned', () => {
    const res = run(diamond(fromXdp(-24), fromXdp(-16), sliceAndRead(-24)), ['bpf_dynptr_from_xdp', 'bpf_dynptr_from_xdp', 'bpf_dynptr_slice']);
    expect(res.verdict).toBe('reject');
    expect(res.findings[0]!.message).toContain('Expected an initialized dynptr');
  });

  it('a dynptr destroyed by a store on one path is not pruned into the intact one', () => {
    const res = run(diamond(fromXdp(-16), [...fromXdp(-16), A.st(1, 10, -3, 0)], sliceAndRead(-16)), ['bpf_dynptr_from_xdp', 'bpf_dynptr_from_xdp', 'bpf_dynptr_slice']);
    expect(res.verdict).toBe('reject');
    expect(res.findings[0]!.message).toContain('Expected an initialized dynptr');
  });

  // Without the dynptr comparison the byte tests pass an old dynptr slot against a cur spilled pointer.
  it('spilled pointers where the other path has a dynptr are not pruned into it (both orders)', () => {
    const spills: Items[] = [A.stx(8, 10, -16, 10), A.stx(8, 10, -8, 10)];
    for (const [left, right] of [[fromXdp(-16), spills], [spills, fromXdp(-16)]] as const) {
      const names = ['bpf_dynptr_from_xdp', 'bpf_dynptr_slice'];
      const res = run(diamond(left, right, sliceAndRead(-16)), names);
      expect(res.verdict).toBe('reject');
      expect(res.findings[0]!.message).toContain('Expected an initialized dynptr');
    }
  });

  it('dynptr bytes cannot be read, and a misaligned dynptr is refused', () => {
    const read = run([A.mov(6, r(1)), ...fromXdp(-16), A.ldx(8, 0, 10, -8), A.exit()], ['bpf_dynptr_from_xdp']);
    expect(read.verdict).toBe('reject');
    expect(read.findings[0]!.message).toContain('invalid read from stack off -8+0 size 8');
    const mis = run([A.mov(6, r(1)), ...fromXdp(-20), A.mov(0, 2), A.exit()], ['bpf_dynptr_from_xdp']);
    expect(mis.verdict).toBe('reject');
    expect(mis.findings[0]!.message).toContain('cannot pass in dynptr at an offset=-20');
  });

  it('a slice does not survive a helper that changes packet data', () => {
    const res = run([
      A.mov(6, r(1)), ...fromXdp(-16), A.mov(1, r(10)), A.add(1, -16), A.mov(2, 0), A.mov(3, 0), A.mov(4, 4), kcall('bpf_dynptr_slice'),
      A.jmp('jne', 0, 0, 'nn'), A.mov(0, 1), A.exit(), A.label('nn'), A.mov(7, r(0)),
      A.mov(1, r(6)), A.mov(2, 0), A.call(44 /* xdp_adjust_head */), A.ldx(1, 0, 7, 0), A.exit(),
    ], ['bpf_dynptr_from_xdp', 'bpf_dynptr_slice']);
    expect(res.verdict).toBe('reject');
    expect(res.findings[0]!.code).toBe('bpf/mem-access');
  });
});
