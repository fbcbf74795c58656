// Pruning must never hide an error: states are merged only when the old state covers the new one in
// everything a later check can depend on. Each case pairs a prunable shape with one where pruning
// would be unsound (the error sits behind a value that differs between the two paths).

import { describe, expect, it } from 'vitest';
import { verify } from '../../../server/src/core/verifier/index';
import { mapDef, object, program, A, asm, r, type Items } from './asm';
import type { Insn } from '../../../server/src/core/isa/insn';
import { pointersDiffer, statesEqual } from '../../../server/src/core/verifier/prune';
import { newFrame, Reg, SB, type Checkpoint, type VState } from '../../../server/src/core/verifier/state';
import type { Env } from '../../../server/src/core/verifier/env';

function run(insns: Insn[]) {
  const p = program(insns);
  return verify(p, object(p, [mapDef(0, { valueSize: 16 })]));
}

/** Two paths that differ only in r6 (0 or 8), then `tail`. */
function diamond(tail: Items[]): Insn[] {
  return asm(
    A.ldx(4, 7, 1, 16), A.mov(6, 0),
    A.jmp('jeq', 7, 0, 'join'), A.mov(6, 8),
    A.label('join'),
    ...tail,
  );
}

const lookup = [A.st(4, 10, -4, 0), A.mov(2, r(10)), A.add(2, -4), A.ldMap(1, 0), A.call(1), A.jmp('jne', 0, 0, 'ok'), A.mov(0, 2), A.exit(), A.label('ok')];

describe('state pruning', () => {
  it('a dead register difference is pruned (second path stops at the join)', () => {
    const res = run(diamond([A.mov(6, 0), A.mov(0, 2), A.exit()]));
    expect(res.verdict).toBe('accept');
    // 2 + 2 on the first path, the join (pruned) on the second: fewer than two full walks
    expect(res.stats.processedInsns).toBeLessThan(2 * 7);
  });
  it('a value that becomes a map offset is compared by range: the 8-byte overflow is found', () => {
    const res = run(diamond([lookup, A.add(0, r(6)), A.ldx(8, 1, 0, 8), A.mov(0, 2), A.exit()]));
    expect(res.verdict).toBe('reject');
    expect(res.findings[0]!.code).toBe('bpf/map-bounds');
  });
  it('a value compared later is compared by range', () => {
    const res = run(diamond([A.jmp('jeq', 6, 8, 'bad'), A.mov(0, 2), A.exit(), A.label('bad'), A.mov(0, r(9)), A.exit()]));
    expect(res.verdict).toBe('reject');
    expect(res.findings[0]!.code).toBe('bpf/uninit-reg');
  });
  it('a value that only flows into itself is not demanded (may_goto style counter)', () => {
    const res = run(asm(A.mov(0, 0), A.mov(6, 0), A.label('l'), A.add(6, 1), { code: 0xe5, dst: 0, src: 0, off: 1, imm: 0 }, A.ja('l'), A.mov(0, 2), A.exit()));
    expect(res.verdict).toBe('accept');
    expect(res.stats.processedInsns).toBeLessThan(50);
  });
  it('a spilled value read back into a branch is demanded through the stack', () => {
    const res = run(diamond([A.stx(8, 10, -8, 6), A.mov(6, 0), A.ldx(8, 2, 10, -8), A.jmp('jeq', 2, 8, 'bad'), A.mov(0, 2), A.exit(), A.label('bad'), A.mov(0, r(9)), A.exit()]));
    expect(res.verdict).toBe('reject');
  });
});

describe('stack liveness in pruning', () => {
  it('a stack slot the continuation never reads does not block pruning', () => {
    const res = run(diamond([A.stx(8, 10, -16, 6), A.mov(0, 2), A.exit()]));
    expect(res.verdict).toBe('accept');
  });
  it('a slot read later keeps its spilled pointer compared', () => {
    // path 1 spills a packet pointer at fp-8, path 2 a scalar; the fill is dereferenced
    const res = run(asm(
      A.ldx(4, 7, 1, 16), A.ldx(4, 2, 1, 0), A.ldx(4, 3, 1, 4), A.mov(4, r(2)), A.add(4, 8),
      A.jmp('jgt', 4, r(3), 'out'),
      A.stx(8, 10, -8, 2),
      A.jmp('jeq', 7, 0, 'join'), A.stx(8, 10, -8, 7),
      A.label('join'), A.ldx(8, 5, 10, -8), A.ldx(1, 0, 5, 0),
      A.label('out'), A.mov(0, 2), A.exit(),
    ));
    expect(res.verdict).toBe('reject');
    expect(res.findings[0]!.message).toContain("invalid mem access 'scalar'");
  });
});

describe('pointer pre-filter of pruning (pointersDiffer)', () => {
  // pointersDiffer is an early exit in front of statesEqual: whenever it says the states differ,
  // statesEqual must say they are not equal, or a prune would be lost (and with it the
  // processed-instruction count the kernel gives). Random pairs of one-frame states that differ
  // in pointer kinds, offsets, packet ranges, scalars and spills test that implication.
  const kinds = ['pkt', 'pkt_end', 'pkt_meta', 'ctx', 'map_value', 'scalar', 'not_init'] as const;
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return (seed >>> 8) % n;
  };
  const reg = (): Reg => {
    const kind = kinds[rnd(kinds.length)]!;
    if (kind === 'not_init') return Reg.notInit;
    if (kind === 'scalar') return rnd(2) ? Reg.konst(rnd(3)) : Reg.unknown;
    return Reg.ptr(kind, { off: rnd(3) * 4, range: rnd(4) === 0 ? -1 : rnd(3) * 8, map: kind === 'map_value' ? 0 : -1 });
  };
  const state = (): VState => {
    const regs = Array.from({ length: 11 }, (_, i) => (i === 10 ? Reg.ptr('fp') : reg()));
    const f = newFrame(-1, 0, regs);
    for (let spi = 60; spi < 64; spi++) {
      if (rnd(3) === 0) continue;
      f.stype.fill(SB.SPILL, spi * 8, spi * 8 + 8);
      f.spill[spi] = reg();
    }
    f.depth = 32;
    return { frames: [f], refs: [], lock: undefined, pc: 7, path: undefined, r0Def: -1, parent: undefined, changesPkt: false, written: 0, wLo: 0, wHi: 0 };
  };
  const env = { dynptr: false, privileged: false } as unknown as Env;

  it('never says "differ" for a pair statesEqual accepts, and rules out most pairs that differ in pointers', () => {
    let differ = 0;
    let equal = 0;
    for (let i = 0; i < 20_000; i++) {
      const old = state();
      const cur = rnd(4) === 0 ? old : state();
      if (cur !== old) for (let r = 0; r < 10; r++) if (rnd(3)) cur.frames[0]!.regs[r] = old.frames[0]!.regs[r]!;
      const read = rnd(0x400);
      const readHi = rnd(16) << 28;
      const live = rnd(0x400);
      const cp: Checkpoint = { state: old, branches: 0, parent: undefined, miss: 0, hit: 0, read, segWritten: 0, readLo: 0, readHi, segWLo: 0, segWHi: 0, ptrRegs: undefined };
      const slots = { lo: -1, hi: -1, readLo: 0, readHi };
      const eq = statesEqual(env, old, cur, live & read, false, 0x3ff, slots);
      const d = pointersDiffer(cp, cur, live);
      if (d) expect(eq, `pair ${i}`).toBe(false);
      if (d) differ++;
      if (eq) equal++;
    }
    // both outcomes are exercised
    expect(differ).toBeGreaterThan(1000);
    expect(equal).toBeGreaterThan(1000);
  });
  it('leaves checkpoints whose exploration still runs, and calls, to the full comparison', () => {
    const old = state();
    const cp: Checkpoint = { state: old, branches: 1, parent: undefined, miss: 0, hit: 0, read: 0x3ff, segWritten: 0, readLo: 0, readHi: 0, segWLo: 0, segWHi: 0, ptrRegs: undefined };
    const cur = state();
    cur.frames[0]!.regs[1] = Reg.ptr('ctx', { off: 99 });
    old.frames[0]!.regs[1] = Reg.ptr('pkt', { off: 0 });
    expect(pointersDiffer(cp, cur, 0x3ff)).toBe(false);
    cp.branches = 0;
    expect(pointersDiffer(cp, cur, 0x3ff)).toBe(true);
  });
});
