// Global (non-static) functions are verified once, on their own, from their BTF prototype
// (kernel/bpf/verifier.c @6.12 check_func_call / do_check_subprogs; btf.c btf_prepare_func_args):
// call sites check the arguments against the prototype and get an unknown scalar back.

import { describe, expect, it } from 'vitest';
import { verify } from '../../../server/src/core/verifier/index';
import type { FuncInfo, FuncParam } from '../../../server/src/core/program';
import { A, asm, object, PKT, program, r, type Items } from './asm';

/** Slot of a label in the flattened items (labels take no slot). */
function slotOf(items: Items[], name: string): number {
  let slot = 0;
  for (const it of items.flat(Infinity as 1) as Array<{ label?: string }>) {
    if (it.label === name) return slot;
    if (!('label' in it)) slot++;
  }
  throw new Error(`no label ${name}`);
}

interface G { label: string; params?: FuncParam[]; paramError?: string; global?: boolean }

function run(items: Items[], globals: G[], kernel?: string) {
  const insns = asm(...items);
  const funcs: FuncInfo[] = [{ start: 0, name: 'prog', global: true }];
  for (const g of globals) {
    funcs.push({ start: slotOf(items, g.label), name: g.label, global: g.global ?? true, ...(g.params ? { params: g.params } : {}), ...(g.paramError ? { paramError: g.paramError } : {}) });
  }
  funcs.sort((a, b) => a.start - b.start);
  const p = program(insns, { funcs });
  return verify(p, object(p), kernel ? { kernel } : {});
}

const MEM4: FuncParam = { kind: 'mem', size: 4, nullable: true };
/** Caller: r1 = fp-8 (8 initialised bytes), call g, return r0 & 3. */
const callWithStack = [A.st(8, 10, -8, 0), A.mov(1, r(10)), A.add(1, -8), A.callLocal('g'), A.alu64('and', 0, 3), A.exit()];
const derefArg = [A.label('g'), A.ldx(4, 0, 1, 0), A.exit()];
const derefChecked = [A.label('g'), A.mov(0, 0), A.jmp('jeq', 1, 0, 'out'), A.ldx(4, 0, 1, 0), A.label('out'), A.exit()];

describe('global functions', () => {
  it('a maybe-NULL memory argument dereferenced without a NULL check is rejected inside the function', () => {
    const items = [callWithStack, derefArg];
    const res = run(items, [{ label: 'g', params: [MEM4] }]);
    expect(res.verdict).toBe('reject');
    expect(res.findings[0]!.code).toBe('bpf/null-deref');
    expect(res.findings[0]!.message).toBe("R1 invalid mem access 'mem_or_null'");
    expect(res.findings[0]!.insn).toBe(slotOf(items, 'g'));
  });

  it('the same function as static is verified inline with the caller\'s stack pointer and accepted', () => {
    expect(run([callWithStack, derefArg], [{ label: 'g', global: false }]).verdict).toBe('accept');
  });

  it('with the NULL check it is accepted; R0 after the call is an unknown scalar and R1-R5 are clobbered', () => {
    const items = [callWithStack, derefChecked];
    const res = run(items, [{ label: 'g', params: [MEM4] }]);
    expect(res.verdict).toBe('accept');
    const after = res.states[slotOf(items, 'g') - 2]!; // the `r0 &= 3` after the call
    expect(after.regs[0]!.kind).toBe('scalar');
    expect(after.regs[0]!.value.umax).toBe(0xffffffffffffffffn);
    expect(after.regs[1]!.kind).toBe('not_init');
    // the function was verified on its own: its entry state has R1 = mem_or_null of 4 bytes
    expect(res.states[slotOf(items, 'g')]!.regs[1]!.kind).toBe('mem_or_null');
  });

  it('reading R1 after a global call is an uninitialised read', () => {
    const items = [A.st(8, 10, -8, 0), A.mov(1, r(10)), A.add(1, -8), A.callLocal('g'), A.mov(0, r(1)), A.exit(), derefChecked];
    const res = run(items, [{ label: 'g', params: [MEM4] }]);
    expect(res.verdict).toBe('reject');
    expect(res.findings[0]!.code).toBe('bpf/uninit-reg');
  });

  it('the caller must pass memory of at least the pointee size (here 16 bytes at fp-8)', () => {
    const res = run([callWithStack, derefChecked], [{ label: 'g', params: [{ kind: 'mem', size: 16, nullable: true }] }]);
    expect(res.verdict).toBe('reject');
    expect(res.findings[0]!.insn).toBe(3); // the call
  });

  it('NULL may be passed for a memory argument, but not a non-zero number', () => {
    const ok = [A.mov(1, 0), A.callLocal('g'), A.alu64('and', 0, 3), A.exit(), derefChecked];
    expect(run(ok, [{ label: 'g', params: [MEM4] }]).verdict).toBe('accept');
    const bad = [A.mov(1, 8), A.callLocal('g'), A.alu64('and', 0, 3), A.exit(), derefChecked];
    const res = run(bad, [{ label: 'g', params: [MEM4] }]);
    expect(res.verdict).toBe('reject');
    expect(res.findings[0]!.message).toMatch(/^R1 type=scalar expected=/);
  });

  it('scalar and ctx arguments are checked at the call', () => {
    const fn = [A.label('g'), A.mov(0, 0), A.exit()];
    const passCtx = [A.callLocal('g'), A.alu64('and', 0, 3), A.exit(), fn];
    expect(run(passCtx, [{ label: 'g', params: [{ kind: 'ctx' }] }]).verdict).toBe('accept');
    const notScalar = run(passCtx, [{ label: 'g', params: [{ kind: 'scalar' }] }]);
    expect(notScalar.verdict).toBe('reject');
    expect(notScalar.findings[0]!.message).toBe('R1 is not a scalar');
    const notCtx = run([A.mov(1, 5), A.callLocal('g'), A.alu64('and', 0, 3), A.exit(), fn], [{ label: 'g', params: [{ kind: 'ctx' }] }]);
    expect(notCtx.findings[0]!.message).toBe('arg#0 expects pointer to ctx');
  });

  it('a ctx argument is ctx inside the function: its fields can be read', () => {
    const items = [A.callLocal('g'), A.alu64('and', 0, 3), A.exit(), A.label('g'), A.ldx(4, 0, 1, 16), A.exit()];
    expect(run(items, [{ label: 'g', params: [{ kind: 'ctx' }] }]).verdict).toBe('accept');
  });

  it('a global function must return a scalar', () => {
    const items = [A.callLocal('g'), A.alu64('and', 0, 3), A.exit(), A.label('g'), A.mov(0, r(10)), A.exit()];
    const res = run(items, [{ label: 'g', params: [] }]);
    expect(res.verdict).toBe('reject');
    expect(res.findings[0]!.code).toBe('bpf/exit-r0');
    expect(res.findings[0]!.message).toBe('At subprogram exit the register R0 is not a scalar value (fp)');
  });

  it('a global function behind a branch that is never taken is not verified', () => {
    const items = [A.mov(2, 0), A.jmp('jne', 2, 0, 'call'), A.mov(0, 2), A.exit(), A.label('call'), A.callLocal('g'), A.exit(), derefArg];
    expect(run(items, [{ label: 'g', params: [MEM4] }]).verdict).toBe('accept');
  });

  it('global functions called from global functions are verified in a later pass', () => {
    const items = [
      A.callLocal('g1'), A.alu64('and', 0, 3), A.exit(),
      A.label('g1'), A.mov(1, 0), A.callLocal('g2'), A.exit(),
      A.label('g2'), A.ldx(4, 0, 1, 0), A.exit(),
    ];
    const res = run(items, [{ label: 'g1', params: [] }, { label: 'g2', params: [MEM4] }]);
    expect(res.verdict).toBe('reject');
    expect(res.findings[0]!.insn).toBe(slotOf(items, 'g2'));
  });

  it('a prototype the kernel refuses rejects the call', () => {
    const items = [A.callLocal('g'), A.alu64('and', 0, 3), A.exit(), A.label('g'), A.mov(0, 0), A.exit()];
    const res = run(items, [{ label: 'g', paramError: "Global function g() doesn't return scalar. Only those are supported." }]);
    expect(res.verdict).toBe('reject');
    expect(res.findings[0]!.message).toBe("Global function g() doesn't return scalar. Only those are supported.");
  });

  describe('packet pointers across a global function that adjusts the head (6.13+)', () => {
    // data+4 <= end proven, call g (which calls bpf_xdp_adjust_head, id 44), then read data[3]
    const items = [
      A.mov(6, r(1)), PKT, A.mov(4, r(2)), A.add(4, 4), A.jmp('jgt', 4, r(3), 'out'),
      A.mov(7, r(2)), A.mov(1, r(6)), A.callLocal('g'), A.ldx(1, 0, 7, 3), A.exit(),
      A.label('out'), A.mov(0, 2), A.exit(),
      A.label('g'), A.mov(2, 4), A.call(44), A.exit(),
    ];
    const g: G = { label: 'g', params: [{ kind: 'ctx' }] };
    it('6.18: the stale packet pointer is refused', () => {
      const res = run(items, [g], '6.18');
      expect(res.verdict).toBe('reject');
      expect(res.findings[0]!.insn).toBe(slotOf(items, 'g') - 4); // the ldx through r7
      expect(res.findings[0]!.code).toBe('bpf/mem-access');
    });
    it('6.12: the kernel still accepted it (no changes_pkt_data for global functions)', () => {
      expect(run(items, [g], '6.12').verdict).toBe('accept');
    });
    it('a global function that does not move packet data keeps the pointers valid', () => {
      const keep = [...items.slice(0, -3), A.label('g'), A.mov(0, 0), A.exit()];
      expect(run(keep, [g], '6.18').verdict).toBe('accept');
    });
  });
});
