import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../../server/src/core/elf/elf';
import type { Btf, BtfType } from '../../../server/src/core/btf';
import { CoreReloKind, parseBtf, parseBtfExt } from '../../../server/src/core/btf';
import { BUILD, FIXTURES, fixtureObject, hasTool } from './fixtures';

function btfOf(bytes: Uint8Array): { btf: Btf; ext?: Uint8Array; raw: Uint8Array } {
  const elf = parseElf(bytes);
  if (!elf.ok) throw new Error(elf.error.message);
  const raw = elf.value.sectionByName('.BTF')!.data;
  const r = parseBtf(raw);
  if (!r.ok) throw new Error(r.error.message);
  return { btf: r.value, ext: elf.value.sectionByName('.BTF.ext')?.data, raw };
}

/** Our types in bpftool's `-j btf dump` shape (bpftool's btf.c dump_btf_type). */
export function asBpftoolJson(t: BtfType): Record<string, unknown> {
  const base = { id: t.id, kind: t.kind.toUpperCase(), name: t.name || '(anon)' };
  const linkage = (l: number): string => (['static', 'global', 'extern'][l] ?? `(unknown)`);
  switch (t.kind) {
    case 'int': {
      const enc = t.encoding === 1 ? 'SIGNED' : t.encoding === 2 ? 'CHAR' : t.encoding === 4 ? 'BOOL' : t.encoding === 0 ? '(none)' : '(unknown)';
      return { ...base, size: t.size, bits_offset: t.bitOffset, nr_bits: t.bits, encoding: enc };
    }
    case 'ptr': case 'const': case 'volatile': case 'restrict': case 'typedef': case 'type_tag':
      return { ...base, type_id: t.type };
    case 'array':
      return { ...base, type_id: t.type, index_type_id: t.indexType, nr_elems: t.nelems };
    case 'struct': case 'union':
      return { ...base, size: t.size, vlen: t.members.length, members: t.members.map((m) => ({ name: m.name || '(anon)', type_id: m.type, bits_offset: m.bitOffset, ...(m.bitfieldSize ? { bitfield_size: m.bitfieldSize } : {}) })) };
    case 'enum':
      return { ...base, encoding: t.signed ? 'SIGNED' : 'UNSIGNED', size: t.size, vlen: t.values.length, values: t.values.map((v) => ({ name: v.name, val: v.value })) };
    case 'enum64':
      return { ...base, encoding: t.signed ? 'SIGNED' : 'UNSIGNED', size: t.size, vlen: t.values.length, values: t.values.map((v) => ({ name: v.name, val: Number(v.value) })) };
    case 'fwd':
      return { ...base, fwd_kind: t.union ? 'union' : 'struct' };
    case 'func':
      return { ...base, type_id: t.type, linkage: linkage(t.linkage) };
    case 'func_proto':
      return { ...base, ret_type_id: t.returnType, vlen: t.params.length, params: t.params.map((p) => ({ name: p.name || '(anon)', type_id: p.type })) };
    case 'var':
      return { ...base, type_id: t.type, linkage: ['static', 'global', 'extern'][t.linkage] ?? '(unknown)' };
    case 'datasec':
      return { ...base, size: t.size, vlen: t.vars.length, vars: t.vars.map((v) => ({ type_id: v.type, offset: v.offset, size: v.size })) };
    case 'float':
      return { ...base, size: t.size };
    case 'decl_tag':
      return { ...base, type_id: t.type, component_idx: t.componentIdx };
    case 'void':
      return base;
  }
}

export function bpftoolTypes(objPath: string): Record<string, unknown>[] | undefined {
  const r = spawnSync('bpftool', ['-j', 'btf', 'dump', 'file', objPath], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) return undefined;
  return (JSON.parse(r.stdout) as { types: Record<string, unknown>[] }).types;
}

describe('parseBtf', () => {
  const kinds = btfOf(fixtureObject('btf_kinds'));

  it('parses every kind clang emits', () => {
    const { btf } = kinds;
    const seen = new Set(btf.types.map((t) => t.kind));
    for (const k of ['int', 'ptr', 'array', 'struct', 'union', 'enum', 'fwd', 'typedef', 'volatile', 'const', 'restrict', 'func', 'func_proto', 'var', 'datasec', 'float', 'decl_tag', 'type_tag', 'enum64']) {
      expect(seen, k).toContain(k);
    }
    const bits = btf.byName('bits', 'struct');
    expect(bits?.kind === 'struct' && bits.members.slice(0, 3).map((m) => [m.name, m.bitOffset, m.bitfieldSize])).toEqual([['a', 0, 3], ['b', 3, 5], ['c', 32, 0]]);
    const big = btf.byName('big', 'enum64');
    expect(big?.kind === 'enum64' && big.values.map((v) => v.value)).toEqual([0x100000000n, 0xffffffffffffffffn]);
    const small = btf.byName('small', 'enum');
    expect(small?.kind === 'enum' && small.values.map((v) => v.value)).toEqual([1, -2]);
  });

  it('resolves modifiers and sizes types', () => {
    const { btf } = kinds;
    const ro = btf.byName('ro_value', 'var')!;
    expect(ro.kind).toBe('var');
    if (ro.kind !== 'var') return;
    // const volatile u32_t -> unsigned int
    expect(btf.resolve(ro.type)).toMatchObject({ kind: 'int', name: 'unsigned int' });
    expect(btf.sizeOf(ro.type)).toBe(4);
    expect(btf.sizeOf(btf.byName('bits', 'struct')!.id)).toBe(56);
    const u = (btf.byName('bits', 'struct') as unknown as { members: { type: number }[] }).members[3]!;
    expect(btf.sizeOf(u.type)).toBe(6);
    expect(btf.sizeOf(btf.byName('LICENSE', 'var')!.id)).toBe(4); // char[4]
    expect(btf.sizeOf(0)).toBeUndefined();
    expect(btf.resolveId(0)).toBe(0);
    expect(btf.resolveId(99999)).toBe(-1);
  });

  it('returns the decl tags of a function', () => {
    const { btf } = kinds;
    expect(btf.declTags('tagged_prog')).toEqual(['comment:test_expect_success', 'comment:second']);
    expect(btf.declTags('helper_fn')).toEqual([]);
    const f = btf.byName('helper_fn', 'func')!;
    expect(btf.declTagsOf(f.id, 0)).toEqual(['param_tag']);
    expect(btf.declTagsOf(btf.byName('bits', 'struct')!.id)).toEqual(['struct_tag']);
    expect(btf.declTags('no_such_function')).toEqual([]);
  });

  it.skipIf(!hasTool('bpftool'))('agrees with bpftool btf dump on every fixture (needs bpftool)', () => {
    for (const name of ['basic', 'btf_kinds']) {
      const { btf } = btfOf(fixtureObject(name));
      const path = hasTool('clang') ? join(BUILD, `${name}.o`) : join(FIXTURES, `${name}.o`);
      const theirs = bpftoolTypes(path)!;
      expect(btf.types.slice(1).map(asBpftoolJson)).toEqual(theirs);
    }
  });

  it('reads line_info and func_info from .BTF.ext', () => {
    const { btf, ext } = kinds;
    const r = parseBtfExt(ext!, btf);
    if (!r.ok) throw new Error(r.error.message);
    const fi = r.value.funcInfo.get('xdp')!;
    expect(fi.map((f) => [f.insnOff, btf.typeById(f.typeId)!.name])).toEqual([[0, 'tagged_prog']]);
    const li = r.value.lineInfo.get('xdp')!;
    // clang records the absolute path of the source; the first record is the first statement.
    expect(li[0]!.file.endsWith('/test/fixtures/loader/btf_kinds.c')).toBe(true);
    expect(li[0]).toMatchObject({ insnOff: 0, line: 42, column: 23, text: '\tglobal_bits.c = ctx->ingress_ifindex;' });
    expect(li.some((l) => l.text.includes('return helper_fn(&global_bits, ro_value)'))).toBe(true);
    expect(li.every((l, i) => i === 0 || l.insnOff > li[i - 1]!.insnOff)).toBe(true);
  });

  it('reads CO-RE relocation records from .BTF.ext', () => {
    const { btf, ext } = btfOf(fixtureObject('core'));
    const r = parseBtfExt(ext!, btf);
    if (!r.ok) throw new Error(r.error.message);
    const recs = r.value.coreRelos.get('xdp')!.map((c) => [c.insnOff / 8, c.kind, btf.typeById(c.typeId)!.name, c.accessStr]);
    // Checked against `llvm-objdump -d` of the fixture: the load of m->third at slot 6 (offset 8),
    // the constants 1 (field exists), 16 (sizeof) and 2 ll (enum value) at slots 7, 9 and 11.
    expect(recs).toEqual([
      [6, CoreReloKind.FIELD_BYTE_OFFSET, 'pkt_meta', '0:2'],
      [7, CoreReloKind.FIELD_EXISTS, 'pkt_meta', '0:1'],
      [9, CoreReloKind.TYPE_SIZE, 'pkt_meta', '0'],
      [11, CoreReloKind.ENUMVAL_VALUE, 'colour', '1'],
    ]);
  });

  it.each([
    ['empty', (b: Uint8Array) => b.subarray(0, 0), 0, /truncated BTF header/],
    ['bad magic', (b: Uint8Array) => { b[0] = 0; return b; }, 0, /bad BTF magic/],
    ['big-endian', (b: Uint8Array) => { b[0] = 0xeb; b[1] = 0x9f; return b; }, 0, /big-endian BTF/],
    ['version 2', (b: Uint8Array) => { b[2] = 2; return b; }, 2, /unsupported BTF version 2/],
    ['type section past end', (b: Uint8Array) => { new DataView(b.buffer, b.byteOffset).setUint32(12, 1 << 20, true); return b; }, 8, /type section/],
    ['unknown kind', (b: Uint8Array) => { b[24 + 7] = 25; return b; }, 28, /unknown BTF kind 25/],
    ['type id out of range', (b: Uint8Array) => { new DataView(b.buffer, b.byteOffset).setUint32(24 + 8, 5000, true); return b; }, 32, /type id 5000 is out of range/],
    ['name past string table', (b: Uint8Array) => { new DataView(b.buffer, b.byteOffset).setUint32(24, 1 << 20, true); return b; }, 24, /name offset 1048576 is past the end/],
  ] as const)('refuses %s', (_n, edit, offset, msg) => {
    const r = parseBtf(edit(kinds.raw.slice()));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.stage).toBe('btf');
    expect(r.error.where).toBe('section .BTF');
    expect(r.error.offset).toBe(offset);
    expect(r.error.message).toMatch(msg);
  });
});
