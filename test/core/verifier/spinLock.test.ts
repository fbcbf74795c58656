// bpf_spin_lock: where the kernel finds the lock in a map value's BTF (btf_parse_fields,
// btf_parse_struct_metas, map_check_btf @6.12) on layouts the test controls, and the lock state
// through calls and pruning (the kernel selftests' verifier_spin_lock.c shapes, as XDP programs).
// The kernel verdicts of the C shapes are in test/fixtures/verifier/spin_lock*.c.

import { describe, expect, it } from 'vitest';
import type { Btf, BtfType } from '../../../server/src/core/btf';
import type { LoadedObject, MapDef } from '../../../server/src/core/program';
import { MapType } from '../../../server/src/core/program';
import { verify } from '../../../server/src/core/verifier/index';
import { mapLock } from '../../../server/src/core/verifier/spinLock';
import { mapRecord } from '../../../server/src/core/verifier/mapFields';
import { A, asm, mapDef, object, program, r, type Items } from './asm';

type Member = [name: string, type: number, bitOffset: number];

/** A BTF with int (1), struct bpf_spin_lock (2), u64 (3), then the caller's types from id 4. */
function btfOf(extra: Array<(id: number) => BtfType>): Btf {
  const types: BtfType[] = [
    { id: 0, kind: 'void', name: '' },
    { id: 1, kind: 'int', name: 'int', size: 4, encoding: 1, bitOffset: 0, bits: 32 },
    { id: 2, kind: 'struct', name: 'bpf_spin_lock', size: 4, members: [{ name: 'val', type: 1, bitOffset: 0, bitfieldSize: 0 }] },
    { id: 3, kind: 'int', name: 'unsigned long long', size: 8, encoding: 0, bitOffset: 0, bits: 64 },
  ];
  for (const f of extra) types.push(f(types.length));
  return {
    types,
    typeById: (id: number) => types[id],
    byName: (n: string, kind?: string) => types.find((t) => t.name === n && (!kind || t.kind === kind)),
  } as unknown as Btf;
}

const struct = (name: string, size: number, members: Member[]) => (id: number): BtfType =>
  ({ id, kind: 'struct', name, size, members: members.map(([n, type, bitOffset]) => ({ name: n, type, bitOffset, bitfieldSize: 0 })) });
const array = (type: number, nelems: number) => (id: number): BtfType => ({ id, kind: 'array', name: '', type, indexType: 1, nelems });
const typedef = (name: string, type: number) => (id: number): BtfType => ({ id, kind: 'typedef', name, type });

/** One map (id 0) whose value is BTF type `valueTypeId` of `btf`. */
function lockOf(btf: Btf, valueTypeId: number, size: number, over: Partial<MapDef> = {}) {
  const m = mapDef(0, { valueTypeId, valueSize: size, ...over });
  const obj: LoadedObject = { programs: [], maps: [m], warnings: [], license: 'GPL', btf };
  return mapLock(obj, m);
}

describe('the lock in a map value (btf_parse_fields, map_check_btf @6.12)', () => {
  it('finds a direct member, a member of a nested struct, and one in a one-element array', () => {
    const btf = btfOf([
      struct('val', 16, [['cnt', 1, 0], ['lock', 2, 32], ['bytes', 3, 64]]), // 4
      struct('outer', 24, [['x', 3, 0], ['in', 4, 64]]), // 5
      array(2, 1), // 6
      struct('arr1', 8, [['l', 6, 32]]), // 7
    ]);
    expect(lockOf(btf, 4, 16)).toEqual({ kind: 'lock', off: 4 });
    expect(lockOf(btf, 5, 24)).toEqual({ kind: 'lock', off: 12 });
    expect(lockOf(btf, 7, 8)).toEqual({ kind: 'lock', off: 4 });
  });

  it('finds none in a struct without one, through a typedef, or in a nested struct repeated in an array', () => {
    const btf = btfOf([
      struct('plain', 16, [['a', 3, 0], ['b', 3, 64]]), // 4
      typedef('lock_t', 2), // 5
      struct('viatypedef', 8, [['cnt', 1, 0], ['lock', 5, 32]]), // 6
      struct('inner', 8, [['cnt', 1, 0], ['lock', 2, 32]]), // 7
      array(7, 2), // 8
      struct('twice', 16, [['in', 8, 0]]), // 9
    ]);
    expect(lockOf(btf, 4, 16)).toEqual({ kind: 'none' });
    expect(lockOf(btf, 6, 8)).toEqual({ kind: 'none' });
    // btf_repeat_fields refuses to repeat a lock: the map has BTF but no record
    expect(lockOf(btf, 9, 16)).toEqual({ kind: 'none' });
    expect(lockOf(btf, 7, 8)).toEqual({ kind: 'lock', off: 4 });
  });

  it('a struct with two locks or a misaligned one anywhere in the BTF makes the kernel refuse the whole BTF', () => {
    const two = btfOf([
      struct('val', 8, [['cnt', 1, 0], ['lock', 2, 32]]), // 4
      struct('two', 8, [['a', 2, 0], ['b', 2, 32]]), // 5
    ]);
    expect(lockOf(two, 4, 8)).toEqual({ kind: 'nobtf' });
    const packed = btfOf([
      struct('val', 8, [['cnt', 1, 0], ['lock', 2, 32]]), // 4
      struct('packed', 8, [['s', 1, 0], ['lock', 2, 16]]), // 5
    ]);
    expect(lockOf(packed, 4, 8)).toEqual({ kind: 'nobtf' });
  });

  it('map types that cannot hold a lock, and read-only maps, are created without BTF', () => {
    const btf = btfOf([struct('val', 8, [['cnt', 1, 0], ['lock', 2, 32]])]);
    expect(lockOf(btf, 4, 8, { type: MapType.ARRAY })).toEqual({ kind: 'lock', off: 4 });
    expect(lockOf(btf, 4, 8, { type: MapType.LRU_HASH })).toEqual({ kind: 'nobtf' });
    expect(lockOf(btf, 4, 8, { type: MapType.PERCPU_ARRAY })).toEqual({ kind: 'nobtf' });
    expect(lockOf(btf, 4, 8, { type: MapType.ARRAY, flags: 1 << 7 })).toEqual({ kind: 'nobtf' });
    expect(lockOf(btf, 4, 8, { valueTypeId: undefined })).toEqual({ kind: 'nobtf' });
  });

  it('timers: one per value, 8-byte aligned, in hash, LRU hash and array maps; a second timer leaves no record at all', () => {
    const btf = btfOf([
      struct('bpf_timer', 16, []), // 4
      struct('tv', 24, [['t', 4, 0], ['n', 3, 128]]), // 5
      struct('ltv', 24, [['lock', 2, 0], ['cnt', 1, 32], ['t', 4, 64]]), // 6
      struct('ttv', 40, [['a', 4, 0], ['b', 4, 128], ['lock', 2, 256]]), // 7
    ]);
    const rec = (id: number, size: number, type: number) => {
      const m = mapDef(0, { valueTypeId: id, valueSize: size, type });
      return mapRecord({ programs: [], maps: [m], warnings: [], license: 'GPL', btf }, m);
    };
    expect(rec(5, 24, MapType.LRU_HASH)).toEqual({ kind: 'btf', fields: [{ kind: 'bpf_timer', off: 0, size: 16 }] });
    expect(rec(5, 24, MapType.PERCPU_ARRAY)).toEqual({ kind: 'nobtf' });
    expect(rec(6, 24, MapType.HASH)).toEqual({ kind: 'btf', fields: [{ kind: 'bpf_spin_lock', off: 0, size: 4 }, { kind: 'bpf_timer', off: 8, size: 16 }] });
    // the lock may not live in an LRU map, though the timer may: the map is created without BTF
    expect(rec(6, 24, MapType.LRU_HASH)).toEqual({ kind: 'nobtf' });
    expect(rec(7, 40, MapType.ARRAY)).toEqual({ kind: 'btf', fields: [] });
  });

  it('finds a global-data lock through the DATASEC (variable offsets and sizes as libbpf fixes them)', () => {
    const btf = btfOf([
      (id) => ({ id, kind: 'var', name: 'glock', type: 2, linkage: 1 }), // 4
      (id) => ({ id, kind: 'var', name: 'gcount', type: 3, linkage: 1 }), // 5
      (id) => ({ id, kind: 'datasec', name: '.data.lock', size: 16, vars: [{ type: 5, offset: 0, size: 8 }, { type: 4, offset: 8, size: 4 }] }),
    ]);
    expect(lockOf(btf, 6, 16, { type: MapType.ARRAY })).toEqual({ kind: 'lock', off: 8 });
  });
});

// Programs: map 0 is a hash map of struct val { int cnt; struct bpf_spin_lock lock; } (lock at 4).
const VAL_BTF = btfOf([struct('val', 8, [['cnt', 1, 0], ['lock', 2, 32]])]);
const LOCK = 93;
const UNLOCK = 94;
const KTIME = 5;

function run(items: Items[], kernel?: string) {
  const p = program(asm(...items), { funcs: [{ start: 0, name: 'prog' }, ...subs(items)] });
  const obj: LoadedObject = { ...object(p, [mapDef(0, { valueTypeId: 4, valueSize: 8 })]), btf: VAL_BTF };
  return verify(p, obj, { log: true, kernel });
}

/** Static subprograms: the labels named sub_*. */
function subs(items: Items[]): Array<{ start: number; name: string }> {
  const flat = (items as unknown[]).flat(Infinity as 1) as Array<{ label?: string }>;
  const out: Array<{ start: number; name: string }> = [];
  let slot = 0;
  for (const it of flat) {
    if (it.label !== undefined) {
      if (it.label.startsWith('sub_')) out.push({ start: slot, name: it.label });
    } else slot++;
  }
  return out;
}

/** r<dst> = lookup(map 0, key 0), non-NULL (a NULL result exits with 0). */
const lookup = (dst: number, tag: string): Items[] => [
  A.st(4, 10, -4, 0), A.mov(2, r(10)), A.add(2, -4), A.ldMap(1, 0), A.call(1),
  A.jmp('jne', 0, 0, `ok_${tag}`), A.mov(0, 0), A.exit(), A.label(`ok_${tag}`), A.mov(dst, r(0)),
];
const lockAt = (reg: number, helper: number): Items[] => [A.mov(1, r(reg)), A.add(1, 4), A.call(helper)];
/** Padding (jumps and instructions) so that the path reaching the next prune point stores a checkpoint there. */
const pad = (tag: string, reg = 3, jumps = 3): Items[] => {
  const movs: Items[] = [0, 1, 2, 3].flatMap((k) => [A.mov(reg, k), A.mov(0, k)]);
  return [1, 2, 3].slice(0, jumps).flatMap((n) => [...movs, A.ja(`${tag}${n}`), A.label(`${tag}${n}`)]);
};

describe('the held lock through calls, exits and pruning', () => {
  it('a lock taken in a static function may be released by its caller (selftest test10)', () => {
    const res = run([
      lookup(6, 'a'), A.mov(1, r(6)), A.add(1, 4), A.callLocal('sub_take'), ...lockAt(6, UNLOCK), A.mov(0, 1), A.exit(),
      A.label('sub_take'), A.call(LOCK), A.mov(0, 0), A.exit(),
    ]);
    expect(res.verdict).toBe('accept');
  });

  it('the main program may not exit with it held; 6.12 words it as "bpf_spin_unlock is missing"', () => {
    const prog = [lookup(6, 'a'), ...lockAt(6, LOCK), A.mov(0, 2), A.exit()];
    expect(run(prog).findings[0]).toMatchObject({ code: 'bpf/ref-leak', message: 'BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region' });
    expect(run(prog, '6.12').findings[0]).toMatchObject({ code: 'bpf/ref-leak', message: 'bpf_spin_unlock is missing' });
  });

  it('pruning compares which element is locked: the pointer ids map with the lock id (selftest "regsafe compare reg->id")', () => {
    // r7 and r8 point to two elements; r7 is locked; on one path r7 = r8, then r7 is unlocked
    const res = run([
      A.ldx(4, 9, 1, 16), lookup(7, 'a'), lookup(8, 'b'), ...lockAt(7, LOCK),
      A.jmp('jeq', 9, 0, 'swap'), pad('p'), A.ja('join'), A.label('swap'), A.mov(7, r(8)), pad('q'), A.label('join'),
      ...lockAt(7, UNLOCK), A.mov(0, 0), A.exit(),
    ]);
    expect(res.findings[0]).toMatchObject({ code: 'bpf/helper-arg', message: 'bpf_spin_unlock of different lock' });
  });

  it('two paths locking the same element under different registers are both safe (selftest "check_ids() similar id mappings")', () => {
    const res = run([
      lookup(9, 'a'), lookup(8, 'b'), A.call(KTIME), A.mov(7, r(0)), A.call(KTIME), A.mov(6, r(0)),
      A.jmp('jgt', 6, r(7), 'other'), ...lockAt(8, LOCK), A.mov(9, r(8)), pad('p'), A.ja('unlock'),
      A.label('other'), ...lockAt(9, LOCK), pad('q'), A.label('unlock'), ...lockAt(9, UNLOCK), A.mov(0, 0), A.exit(),
    ]);
    expect(res.verdict).toBe('accept');
    expect(res.log!.some((l) => l.endsWith(': safe'))).toBe(true);
  });

  it('a lock taken on one path only is not pruned against the unlocked path', () => {
    const res = run([
      A.ldx(4, 9, 1, 16), lookup(6, 'a'), A.jmp('jeq', 9, 0, 'skip'), ...lockAt(6, LOCK), pad('p', 8, 2), A.ja('join'), A.label('skip'), pad('q', 8, 2), A.label('join'),
      A.mov(9, 0), ...lockAt(6, UNLOCK), A.mov(0, 0), A.exit(),
    ]);
    expect(res.findings[0]).toMatchObject({ code: 'bpf/helper-arg', message: 'bpf_spin_unlock without taking a lock' });
    // the unlocked path meets the locked path's checkpoint at the join (and is not pruned by it)
    expect(res.log!.some((l) => l.endsWith(': safe'))).toBe(false);
  });

  it('a second bpf_spin_lock is refused as a call under the lock, before process_spin_lock sees it', () => {
    const res = run([lookup(6, 'a'), ...lockAt(6, LOCK), ...lockAt(6, LOCK), ...lockAt(6, UNLOCK), A.mov(0, 0), A.exit()]);
    expect(res.findings[0]).toMatchObject({ code: 'bpf/other', message: 'function calls are not allowed while holding a lock' });
  });

  it('atomic operations on the lock are loads and stores of it', () => {
    const res = run([lookup(6, 'a'), A.mov(1, 1), A.atomic(4, 6, 4, 1, 0x00), A.mov(0, 0), A.exit()]);
    expect(res.findings[0]).toMatchObject({ code: 'bpf/mem-access', message: 'bpf_spin_lock cannot be accessed directly by load/store' });
    const ok = run([lookup(6, 'a'), ...lockAt(6, LOCK), A.mov(1, 1), A.atomic(4, 6, 0, 1, 0x00), ...lockAt(6, UNLOCK), A.mov(0, 0), A.exit()]);
    expect(ok.verdict).toBe('accept');
  });
});
