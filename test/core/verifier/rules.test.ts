// Verifier rules on hand-assembled programs: one case per rule, accepted and rejected forms.
// Kernel wording is asserted by key phrase (kernel/bpf/verifier.c @6.12).

import { describe, expect, it } from 'vitest';
import { verify } from '../../../server/src/core/verifier/index';
import { MapType } from '../../../server/src/core/program';
import type { MapDef, Program } from '../../../server/src/core/program';
import { A, asm, mapDef, object, PKT, program, r } from './asm';
import type { Insn } from '../../../server/src/core/isa/insn';

function run(insns: Insn[], maps: MapDef[] = [], over: Partial<Program> = {}, kernel?: string) {
  const p = program(insns, over);
  return verify(p, object(p, maps), { kernel, log: true });
}

function ok(insns: Insn[], maps: MapDef[] = [], over: Partial<Program> = {}, kernel?: string) {
  const res = run(insns, maps, over, kernel);
  expect(res.findings[0]?.message ?? '', JSON.stringify(res.findings[0]?.data?.path)).toBe('');
  expect(res.verdict).toBe('accept');
  return res;
}

function bad(insns: Insn[], code: string, msg: string, maps: MapDef[] = [], over: Partial<Program> = {}, kernel?: string) {
  const res = run(insns, maps, over, kernel);
  expect(res.verdict).toBe('reject');
  expect(res.findings[0]!.code).toBe(code);
  expect(res.findings[0]!.message).toContain(msg);
  expect(typeof res.findings[0]!.data?.explanation).toBe('string');
  return res;
}

const RET0 = [A.mov(0, 2), A.exit()];

describe('registers and exit', () => {
  it('accepts return XDP_PASS', () => {
    const res = ok(asm(RET0));
    expect(res.exits).toHaveLength(1);
    expect(res.exits[0]!.r0Defs).toEqual([0]);
    expect(res.stats.processedInsns).toBe(2);
  });
  it('rejects exit without R0', () => bad(asm(A.exit()), 'bpf/exit-r0', 'R0 !read_ok'));
  it('rejects reading an unwritten register', () => bad(asm(A.mov(0, r(5)), A.exit()), 'bpf/uninit-reg', 'R5 !read_ok'));
  it('rejects writing r10', () => bad(asm(A.mov(10, 0), RET0), 'bpf/bad-insn', 'frame pointer is read only'));
  it('rejects constant division by zero', () => bad(asm(A.mov(0, 1), A.alu64('div', 0, 0), A.exit()), 'bpf/bad-insn', 'div by zero'));
  it('accepts register division by zero (defined as 0)', () => ok(asm(A.mov(0, 1), A.mov(1, 0), A.alu64('div', 0, r(1)), A.exit())));
  it('rejects unreachable code', () => bad(asm(RET0, A.mov(0, 1), A.exit()), 'bpf/bad-insn', 'unreachable insn 2'));
  it('rejects jumps out of range', () => bad([{ code: 0x05, dst: 0, src: 0, off: 5, imm: 0 }, ...asm(RET0)], 'bpf/bad-insn', 'jump out of range'));
  it('records the slots that last wrote R0 per exit', () => {
    const res = ok(asm(A.ldx(4, 2, 1, 16), A.mov(0, 1), A.jmp('jeq', 2, 0, 'x'), A.mov(0, 2), A.label('x'), A.exit()));
    expect(res.exits[0]!.r0Defs).toEqual([1, 3]);
  });
});

describe('context (struct xdp_md)', () => {
  it('loads data/data_end as packet pointers', () => {
    const res = ok(asm(PKT, A.jmp('jgt', 2, r(3), 'out'), A.label('out'), RET0));
    expect(res.states[2]!.regs[2]!.kind).toBe('pkt');
    expect(res.states[2]!.regs[3]!.kind).toBe('pkt_end');
  });
  it('reports registers dead at an instruction as not_init (their value cannot matter there)', () => {
    const res = ok(asm(PKT, RET0));
    // data and data_end are loaded but never read: at the return they are dead.
    expect(res.states[2]!.regs[2]!.kind).toBe('not_init');
    expect(res.states[2]!.regs[3]!.kind).toBe('not_init');
    expect(res.states[2]!.regs[10]!.kind).toBe('fp');
  });
  it('rejects narrow ctx loads', () => bad(asm(A.ldx(2, 2, 1, 12), RET0), 'bpf/ctx-access', 'invalid bpf_context access off=12 size=2'));
  it('rejects ctx writes', () => bad(asm(A.st(4, 1, 12, 0), RET0), 'bpf/ctx-access', 'invalid bpf_context access off=12 size=4'));
  it('rejects egress_ifindex outside devmap', () => bad(asm(A.ldx(4, 2, 1, 20), RET0), 'bpf/ctx-access', 'invalid bpf_context access off=20 size=4'));
  it('accepts egress_ifindex in devmap programs', () => ok(asm(A.ldx(4, 2, 1, 20), RET0), [], { attach: 'devmap' }));
  it('rejects offsets past the struct', () => bad(asm(A.ldx(4, 2, 1, 24), RET0), 'bpf/ctx-access', 'off=24'));
  it('rejects modified ctx pointers', () => bad(asm(A.add(1, 4), A.ldx(4, 2, 1, 0), RET0), 'bpf/ctx-access', 'dereference of modified ctx ptr R1 off=4 disallowed'));
});

describe('packet access', () => {
  const guard = (n: number, then: Array<ReturnType<typeof A.mov> | ReturnType<typeof A.mov>[]>) =>
    asm(PKT, A.mov(4, r(2)), A.add(4, n), A.jmp('jgt', 4, r(3), 'out'), ...then, A.label('out'), RET0);
  it('accepts a read within the proven range', () => ok(guard(14, [A.ldx(2, 5, 2, 12)])));
  it('rejects an unchecked read', () => bad(asm(PKT, A.ldx(4, 5, 2, 0), RET0), 'bpf/pkt-bounds', 'invalid access to packet, off=0 size=4, R2(id=0,off=0,r=0)'));
  it('rejects a read past the proven range', () => bad(guard(14, [A.ldx(4, 5, 2, 12)]), 'bpf/pkt-bounds', 'invalid access to packet, off=12 size=4, R2(id=0,off=12,r=14)'));
  it('the range is proven on the copy too (same id)', () => ok(guard(8, [A.ldx(8, 5, 4, -8)])));
  it('proves the range on the right edge for data_end < ptr', () =>
    ok(asm(PKT, A.mov(4, r(2)), A.add(4, 8), A.jmp('jlt', 3, r(4), 'out'), A.ldx(8, 5, 2, 0), A.label('out'), RET0)));
  it('no range on the wrong edge', () =>
    bad(asm(PKT, A.mov(4, r(2)), A.add(4, 8), A.jmp('jle', 4, r(3), 'out'), A.ldx(8, 5, 2, 0), A.label('out'), RET0), 'bpf/pkt-bounds', 'invalid access to packet'));
  it('jge gives the strict range on fall-through', () =>
    ok(asm(PKT, A.mov(4, r(2)), A.add(4, 8), A.jmp('jge', 4, r(3), 'out'), A.ldx(8, 5, 2, 0), A.label('out'), RET0)));
  it('packet writes are allowed in XDP', () => ok(guard(4, [A.st(4, 2, 0, 7)])));
  it('helpers that move packet data invalidate packet pointers', () =>
    bad(asm(PKT, A.mov(4, r(2)), A.add(4, 4), A.jmp('jgt', 4, r(3), 'out'), A.mov(6, r(2)), A.mov(2, 0), A.call(44), A.ldx(4, 0, 6, 0), A.label('out'), RET0),
      'bpf/mem-access', "R6 invalid mem access 'scalar'"));
  it('variable offsets need a new check', () =>
    bad(asm(PKT, A.ldx(4, 5, 1, 16), A.alu64('and', 5, 0xff), A.mov(4, r(2)), A.add(4, r(5)), A.mov(6, r(2)), A.add(6, 8), A.jmp('jgt', 6, r(3), 'out'), A.ldx(1, 0, 4, 0), A.label('out'), RET0),
      'bpf/pkt-bounds', 'invalid access to packet'));
  it('variable offset then check is accepted', () =>
    ok(asm(PKT, A.ldx(4, 5, 1, 16), A.alu64('and', 5, 0xff), A.mov(4, r(2)), A.add(4, r(5)), A.mov(6, r(4)), A.add(6, 1), A.jmp('jgt', 6, r(3), 'out'), A.ldx(1, 0, 4, 0), A.label('out'), RET0)));
  it('data_end cannot be dereferenced', () => bad(asm(PKT, A.ldx(1, 0, 3, 0), RET0), 'bpf/mem-access', "R3 invalid mem access 'pkt_end'"));
  it('pkt_end arithmetic is prohibited', () => bad(asm(PKT, A.add(3, 1), RET0), 'bpf/ptr-arith', 'pointer arithmetic on pkt_end prohibited'));
  it('data_meta vs data proves a meta range', () =>
    ok(asm(A.ldx(4, 2, 1, 8), A.ldx(4, 3, 1, 0), A.mov(4, r(2)), A.add(4, 4), A.jmp('jgt', 4, r(3), 'out'), A.ldx(4, 0, 2, 0), A.label('out'), RET0)));
  it('records the branch path on a rejection', () => {
    const res = bad(guard(14, [A.ldx(4, 5, 2, 12)]), 'bpf/pkt-bounds', 'invalid access');
    expect(res.findings[0]!.data!.path).toEqual([{ slot: 4, taken: false }]);
    expect(res.findings[0]!.insn).toBe(5);
  });
});

describe('stack', () => {
  it('spills and fills keep pointer types', () => ok(asm(A.stx(8, 10, -8, 1), A.ldx(8, 1, 10, -8), A.ldx(4, 2, 1, 0), RET0)));
  it('rejects stack out of bounds', () => bad(asm(A.st(8, 10, -520, 0), RET0), 'bpf/stack-bounds', 'invalid write to stack R10 off=-520 size=8'));
  it('rejects writes above fp', () => bad(asm(A.st(4, 10, 0, 0), RET0), 'bpf/stack-bounds', 'off=0 size=4'));
  it('rejects misaligned stack access (6.18 and 6.12 wording)', () => {
    bad(asm(A.st(4, 10, -6, 0), RET0), 'bpf/misaligned', 'misaligned stack access off 0+0+-6 size 4');
    bad(asm(A.st(4, 10, -6, 0), RET0), 'bpf/misaligned', 'misaligned stack access off (0x0; 0x0)+0+-6 size 4', [], {}, '6.12');
  });
  it('privileged: uninitialised stack reads are allowed (kernel allow_uninit_stack)', () => ok(asm(A.ldx(8, 0, 10, -8), A.mov(0, 2), A.exit())));
  it('unprivileged: uninitialised stack reads are rejected', () => {
    const p = program(asm(A.ldx(8, 0, 10, -8), A.exit()));
    const res = verify(p, object(p), { privileged: false });
    expect(res.findings[0]!.code).toBe('bpf/uninit-stack');
    expect(res.findings[0]!.message).toContain('invalid read from stack off -8+0 size 8');
  });
  it('narrow fill of a pointer is rejected', () => bad(asm(A.stx(8, 10, -8, 1), A.ldx(4, 1, 10, -8), RET0), 'bpf/mem-access', 'invalid size of register fill'));
  it('narrow spill of a pointer is rejected', () => bad(asm(A.stx(4, 10, -8, 1), RET0), 'bpf/mem-access', 'invalid size of register spill'));
  it('constants survive a spill', () => {
    const res = ok(asm(A.mov(2, 7), A.stx(8, 10, -8, 2), A.ldx(8, 0, 10, -8), A.exit()));
    expect(res.exits[0]!.r0.umax).toBe(7n);
  });
  it('zero bytes read back as zero', () => {
    const res = ok(asm(A.st(4, 10, -4, 0), A.ldx(4, 0, 10, -4), A.exit()));
    expect(res.exits[0]!.r0.umax).toBe(0n);
  });
});

describe('map values', () => {
  const lookup = [A.st(4, 10, -4, 0), A.mov(2, r(10)), A.add(2, -4), A.ldMap(1, 0), A.call(1)];
  const m = [mapDef(0, { valueSize: 8 })];
  it('rejects a dereference before the null check', () => bad(asm(lookup, A.ldx(8, 1, 0, 0), RET0), 'bpf/null-deref', "R0 invalid mem access 'map_value_or_null'", m));
  it('accepts after the null check', () => ok(asm(lookup, A.jmp('jeq', 0, 0, 'out'), A.ldx(8, 1, 0, 0), A.label('out'), RET0), m));
  it('null check propagates to copies', () => ok(asm(lookup, A.mov(6, r(0)), A.jmp('jeq', 0, 0, 'out'), A.ldx(8, 1, 6, 0), A.label('out'), RET0), m));
  it('rejects out-of-bounds value access', () => bad(asm(lookup, A.jmp('jeq', 0, 0, 'out'), A.ldx(8, 1, 0, 4), A.label('out'), RET0), 'bpf/map-bounds', 'invalid access to map value, value_size=8 off=4 size=8', m));
  it('rejects arithmetic before the null check', () => bad(asm(lookup, A.add(0, 4), RET0), 'bpf/ptr-arith', 'R0 pointer arithmetic on map_value_or_null prohibited, null-check it first', m));
  it('bounded variable offsets are accepted', () =>
    ok(asm(lookup, A.jmp('jeq', 0, 0, 'out'), A.ldx(4, 2, 0, 0), A.alu64('and', 2, 3), A.add(0, r(2)), A.ldx(1, 3, 0, 0), A.label('out'), RET0), m));
  it('unbounded variable offsets are rejected', () =>
    bad(asm(lookup, A.jmp('jeq', 0, 0, 'out'), A.ldx(4, 2, 0, 0), A.alu64('and', 2, 15), A.add(0, r(2)), A.ldx(1, 3, 0, 0), A.label('out'), RET0), 'bpf/map-bounds', 'invalid access to map value', m));
  it('key must be readable memory', () => bad(asm(A.mov(2, 0), A.ldMap(1, 0), A.call(1), RET0), 'bpf/helper-arg', 'R2 type=scalar expected=fp', m));
  it('key must fit the stack', () => {
    bad(asm(A.mov(2, r(10)), A.add(2, -2), A.ldMap(1, 0), A.call(1), RET0), 'bpf/stack-bounds', 'invalid read from stack R2 off=-2 size=4', m);
    bad(asm(A.mov(2, r(10)), A.add(2, -2), A.ldMap(1, 0), A.call(1), RET0), 'bpf/stack-bounds', 'invalid indirect access to stack R2 off=-2 size=4', m, {}, '6.12');
  });
  it('6.14+: constant in-range key into an array map is never NULL', () => {
    const arr = [mapDef(0, { type: MapType.ARRAY, maxEntries: 4 })];
    ok(asm(lookup, A.ldx(8, 1, 0, 0), RET0), arr, {}, '6.18');
    bad(asm(lookup, A.ldx(8, 1, 0, 0), RET0), 'bpf/null-deref', 'map_value_or_null', arr, {}, '6.12');
  });
  it('read-only maps refuse writes', () =>
    bad(asm(A.ldMapValue(1, 0, 0), A.st(4, 1, 0, 1), RET0), 'bpf/mem-access', 'write into map forbidden', [mapDef(0, { type: MapType.ARRAY, readonly: true, origin: 'rodata', valueSize: 4, keySize: 4, maxEntries: 1 })]));
  it('read-only map values are known constants', () => {
    const ro = [mapDef(0, { type: MapType.ARRAY, readonly: true, origin: 'rodata', valueSize: 4, keySize: 4, maxEntries: 1, initial: new Uint8Array([3, 0, 0, 0]) })];
    const res = ok(asm(A.ldMapValue(1, 0, 0), A.ldx(4, 0, 1, 0), A.exit()), ro);
    expect(res.exits[0]!.r0.umax).toBe(3n);
  });
});

describe('branches', () => {
  it('constant branches prune the dead edge', () => {
    const res = ok(asm(A.mov(1, 1), A.jmp('jeq', 1, 1, 'x'), A.mov(0, r(9)), A.exit(), A.label('x'), RET0));
    expect(res.states[2]).toBeUndefined();
  });
  it('refines on both edges (jgt)', () => {
    const res = ok(asm(A.ldx(4, 2, 1, 16), A.jmp('jgt', 2, 10, 'x'), A.mov(0, r(2)), A.exit(), A.label('x'), A.mov(0, r(2)), A.exit()));
    expect(res.exits[0]!.r0.umax).toBe(10n);
    expect(res.exits[1]!.r0.umin).toBe(11n);
  });
  it('jmp32 refines the low word', () => {
    const res = ok(asm(A.ldx(4, 2, 1, 16), A.jmp32('jlt', 2, 5, 'x'), A.mov(0, 0), A.exit(), A.label('x'), A.mov(0, r(2)), A.exit()));
    expect(res.exits[1]!.r0.umax).toBe(4n);
  });
  it('linked copies are refined together', () => {
    const res = ok(asm(A.ldx(4, 2, 1, 16), A.mov(3, r(2)), A.jmp('jgt', 2, 10, 'x'), A.mov(0, r(3)), A.exit(), A.label('x'), RET0));
    expect(res.exits[0]!.r0.umax).toBe(10n);
  });
});

describe('pointer arithmetic', () => {
  it('rejects 32-bit pointer arithmetic', () => bad(asm(PKT, A.alu32('add', 2, 1), RET0), 'bpf/ptr-arith', 'R2 32-bit pointer arithmetic prohibited'));
  it('rejects bitwise ops on pointers', () => bad(asm(A.mov(2, r(10)), A.alu64('and', 2, 1), RET0), 'bpf/ptr-arith', 'R2 bitwise operator &= on pointer prohibited'));
  it('rejects pointer + pointer', () => bad(asm(A.mov(2, r(10)), A.add(2, r(1)), RET0), 'bpf/ptr-arith', 'R2 pointer += pointer prohibited'));
  it('pointer - pointer is a scalar (privileged)', () => ok(asm(PKT, A.alu64('sub', 3, r(2)), A.mov(0, 2), A.exit())));
  it('rejects unbounded additions', () => bad(asm(PKT, A.ldx(4, 4, 1, 16), A.alu64('lsh', 4, 32), A.alu64('arsh', 4, 32), A.add(2, r(4)), RET0), 'bpf/ptr-arith', 'value -2147483648 makes pkt pointer be out of bounds'));
});

describe('calls', () => {
  it('rejects helpers XDP cannot use', () => bad(asm(A.call(9), RET0), 'bpf/helper-unavailable', 'program of this type cannot use helper bpf_skb_store_bytes#9'));
  it('rejects unknown helper ids', () => bad(asm(A.call(100000), RET0), 'bpf/helper-unavailable', 'invalid func unknown#100000'));
  it('clobbers r1-r5', () => bad(asm(A.call(7), A.mov(0, r(1)), A.exit()), 'bpf/uninit-reg', 'R1 !read_ok'));
  it('checks ctx arguments', () => bad(asm(A.mov(1, 0), A.mov(2, 0), A.call(44), RET0), 'bpf/helper-arg', 'R1 type=scalar expected=ctx'));
  it('checks sizes', () => bad(asm(A.mov(2, 0), A.mov(3, r(10)), A.add(3, -8), A.mov(4, 0), A.call(189), RET0), 'bpf/helper-arg', 'invalid zero-sized read'));
  it('records helper call sites', () => {
    const res = ok(asm(A.mov(1, 3), A.mov(2, 0), A.call(23), A.exit()));
    expect(res.calls[0]!.helperId).toBe(23);
    expect(res.calls[0]!.args[0]!.value.umax).toBe(3n);
  });
  it('bpf-to-bpf calls get their own frame', () =>
    ok(asm(A.mov(1, 5), A.callLocal('f'), A.exit(), A.label('f'), A.mov(0, r(1)), A.exit()), [], { funcs: [{ start: 0, name: 'prog' }, { start: 3, name: 'f' }] }));
  it('ringbuf records must be released', () => {
    const rb = [mapDef(0, { type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 })];
    bad(asm(A.ldMap(1, 0), A.mov(2, 8), A.mov(3, 0), A.call(131), A.jmp('jeq', 0, 0, 'out'), A.label('out'), RET0), 'bpf/ref-leak', 'Unreleased reference', rb);
    ok(asm(A.ldMap(1, 0), A.mov(2, 8), A.mov(3, 0), A.call(131), A.jmp('jeq', 0, 0, 'out'), A.st(8, 0, 0, 1), A.mov(1, r(0)), A.mov(2, 0), A.call(132), A.label('out'), RET0), rb);
  });
  it('bpf_loop explores its callback', () =>
    ok(asm(A.mov(1, 10), A.ldFunc(2, 'cb'), A.mov(3, 0), A.mov(4, 0), A.call(181), RET0, A.label('cb'), A.mov(0, 0), A.exit()), [], { funcs: [{ start: 0, name: 'prog' }, { start: 8, name: 'cb' }] }));
  it('bpf_loop callbacks must return 0 or 1', () =>
    bad(asm(A.mov(1, 10), A.ldFunc(2, 'cb'), A.mov(3, 0), A.mov(4, 0), A.call(181), RET0, A.label('cb'), A.mov(0, 5), A.exit()), 'bpf/exit-r0', 'At callback return', [], { funcs: [{ start: 0, name: 'prog' }, { start: 8, name: 'cb' }] }));
});

describe('loops and limits', () => {
  it('bounded loops are explored', () => {
    const res = ok(asm(A.mov(1, 0), A.label('l'), A.add(1, 1), A.jmp('jlt', 1, 10, 'l'), RET0));
    expect(res.stats.processedInsns).toBeGreaterThan(20);
  });
  it('a loop reading the slot at fp-8 on every iteration terminates the demand analysis (slot bit 31)', () => {
    // The slot is spi 63, bit 31 of the high word, demanded all around the loop: the static demand
    // analysis once compared it signed against its unsigned store and never settled.
    const res = ok(asm(
      A.mov(1, 5), A.stx(8, 10, -8, 1), A.mov(2, 0),
      A.label('l'), A.ldx(8, 3, 10, -8), A.jmp('jgt', 3, 10, 'out'), A.add(2, 1), A.jmp('jlt', 2, 20, 'l'),
      A.label('out'), RET0,
    ));
    expect(res.stats.processedInsns).toBeGreaterThan(50);
  });
  it('an exact repeat is an infinite loop', () => bad(asm(A.mov(1, 0), A.label('l'), A.mov(1, 0), A.jmp('jeq', 1, 0, 'l'), RET0), 'bpf/loop', 'infinite loop detected'));
  it('the instruction limit gives too-complex', () => {
    const p = program(asm(A.ldx(4, 1, 1, 16), A.label('l'), A.add(1, 1), A.jmp('jne', 1, 0, 'l'), RET0));
    const res = verify(p, object(p), { insnLimit: 5000 });
    expect(res.findings[0]!.code).toBe('bpf/too-complex');
    expect(res.findings[0]!.message).toBe('BPF program is too large. Processed 5001 insn');
  });
  it('cancellation stops the search', () => {
    const p = program(asm(A.ldx(4, 1, 1, 16), A.label('l'), A.add(1, 1), A.jmp('jne', 1, 0, 'l'), RET0));
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    cancel[0] = 1;
    const res = verify(p, object(p), { cancel });
    expect(res.verdict).toBe('error');
  });
});

describe('per-slot states by line', () => {
  it('finds the joined state of the instructions on a source line', async () => {
    const { statesForLine } = await import('../../../server/src/core/verifier/index');
    const insns = asm(A.ldx(4, 2, 1, 16), A.mov(0, r(2)), A.exit());
    const loc = (line: number) => ({ file: 'x.c', line, column: 1, text: '' });
    const p = program(insns, { lines: [loc(3), loc(4), loc(4)] });
    const res = verify(p, object(p));
    const at = statesForLine(p, res, 4);
    expect(at.map((s) => s.slot)).toEqual([1, 2]);
    expect(at[1]!.state.regs[0]!.kind).toBe('scalar');
    expect(at[1]!.state.regs[0]!.value.umax).toBe(0xffffffffn);
  });
});
