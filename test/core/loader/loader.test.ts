import { describe, expect, it } from 'vitest';
import { CallSrc, LdImm64Src } from '../../../server/src/core/isa/opcodes';
import { BPF_F_MMAPABLE, BPF_F_RDONLY_PROG, PROG_TYPE, loadObject, loadObjectDetail } from '../../../server/src/core/loader';
import type { LoadedObject, Program } from '../../../server/src/core/program';
import { MapType } from '../../../server/src/core/program';
import { fixtureObject } from './fixtures';

function load(name: string, opts?: { progTypeOverride?: number }): LoadedObject {
  const r = loadObject(fixtureObject(name), opts);
  if (!r.ok) throw new Error(`${name}: ${r.error.stage}: ${r.error.message} (${r.error.where} @${r.error.offset})`);
  checkInvariants(r.value);
  return r.value;
}

const prog = (o: LoadedObject, name: string): Program => {
  const p = o.programs.find((x) => x.name === name);
  if (!p) throw new Error(`no program ${name}`);
  return p;
};

/** Slots of bpf-to-bpf calls with the name of the function each one lands on. */
function calls(p: Program): [number, string][] {
  const out: [number, string][] = [];
  p.insns.forEach((i, slot) => {
    if (i.tail) return;
    const isCall = i.code === 0x85 && i.src === CallSrc.PSEUDO_CALL;
    const isFn = i.code === 0x18 && i.src === LdImm64Src.FUNC;
    if (!isCall && !isFn) return;
    const target = slot + i.imm + 1;
    out.push([slot, p.funcs.find((f) => f.start === target)?.name ?? `?${target}`]);
  });
  return out;
}

/** Map references: slot -> [src, map name, offset in value]. */
function mapRefs(o: LoadedObject, p: Program): [number, string, string, number][] {
  const out: [number, string, string, number][] = [];
  p.insns.forEach((i, slot) => {
    if (i.code !== 0x18 || i.tail) return;
    if (i.src === LdImm64Src.MAP_IDX) out.push([slot, 'map', o.maps[i.imm]!.name, p.insns[slot + 1]!.imm]);
    if (i.src === LdImm64Src.MAP_IDX_VALUE) out.push([slot, 'value', o.maps[i.imm]!.name, p.insns[slot + 1]!.imm]);
  });
  return out;
}

/** What must hold for every loaded program, whatever the fixture. */
function checkInvariants(o: LoadedObject): void {
  for (const p of o.programs) {
    expect(p.lines.length).toBe(p.insns.length);
    expect(p.funcs[0]).toMatchObject({ start: 0, name: p.name });
    for (let k = 1; k < p.funcs.length; k++) expect(p.funcs[k]!.start).toBeGreaterThan(p.funcs[k - 1]!.start);
    for (const [, callee] of calls(p)) expect(callee.startsWith('?')).toBe(false);
    for (const k of p.kfuncs) expect(p.insns[k.slot]).toMatchObject({ code: 0x85, src: CallSrc.KFUNC_CALL, imm: 0 });
    p.insns.forEach((i, slot) => {
      if (i.code === 0x18 && !i.tail) {
        expect(p.insns[slot + 1]!.tail).toBe(true);
        expect(i.imm64).toBe((BigInt(p.insns[slot + 1]!.imm >>> 0) << 32n) | BigInt(i.imm >>> 0));
        if (i.src === LdImm64Src.MAP_IDX || i.src === LdImm64Src.MAP_IDX_VALUE) expect(i.imm).toBeLessThan(o.maps.length);
      }
    });
  }
  o.maps.forEach((m, i) => expect(m.index).toBe(i));
}

describe('loadObject: maps', () => {
  it('reads BTF-defined maps with exact fields, in declaration order', () => {
    const o = load('maps');
    const rows = o.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries, m.flags, m.pinning, m.origin]);
    expect(rows).toEqual([
      ['flows', MapType.HASH, 16, 16, 1024, 0, 1, 'btf'],
      ['pcpu', MapType.PERCPU_ARRAY, 4, 8, 8, 0, 0, 'btf'],
      ['outer_arr', MapType.ARRAY_OF_MAPS, 4, 4, 3, 0, 0, 'btf'],
      ['outer_hash', MapType.HASH_OF_MAPS, 4, 4, 5, 0, 0, 'btf'],
      ['lru', MapType.LRU_HASH, 4, 12, 256, 0, 0, 'btf'],
      ['prefixes', MapType.LPM_TRIE, 8, 4, 64, 1 /* BPF_F_NO_PREALLOC */, 0, 'btf'],
      ['tx_hash', MapType.DEVMAP_HASH, 4, 4, 16, 0, 0, 'btf'],
      ['events', MapType.RINGBUF, 0, 0, 4096, 0, 0, 'btf'],
      ['jumps', MapType.PROG_ARRAY, 4, 4, 4, 0, 0, 'btf'],
      ['xsks', MapType.XSKMAP, 4, 4, 2, 0, 0, 'btf'],
      ['cpus', MapType.CPUMAP, 4, 8, 4, 0, 0, 'btf'],
      ['tx_ports', MapType.DEVMAP, 4, 8, 32, 0, 0, 'btf'],
      ['inner1', MapType.ARRAY, 4, 8, 2, 0, 0, 'btf'],
      // clang's constant pool for the struct initialiser, an anonymous read-only data map.
      ['.rodata.cst16', MapType.ARRAY, 4, 16, 1, BPF_F_RDONLY_PROG, 0, 'rodata'],
    ]);
    const d = loadObjectDetail(fixtureObject('maps'));
    if (!d.ok) throw new Error(d.error.message);
    const btf = d.value.btf!;
    const flows = o.maps[0]!;
    expect(btf.typeById(flows.keyTypeId!)).toMatchObject({ kind: 'struct', name: 'flow_key' });
    expect(btf.typeById(flows.valueTypeId!)).toMatchObject({ kind: 'struct', name: 'flow_stats' });
    expect(btf.typeById(o.maps.find((m) => m.name === 'tx_ports')!.valueTypeId!)).toMatchObject({ name: 'bpf_devmap_val' });
    expect(o.maps.find((m) => m.name === 'lru')!.keyTypeId).toBeUndefined();
    expect(o.maps[2]!.inner).toMatchObject({ index: -1, name: 'outer_arr.inner', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 2 });
    expect(o.maps[3]!.inner).toMatchObject({ index: -1, name: 'outer_hash.inner', type: MapType.HASH, keySize: 2, valueSize: 4, maxEntries: 7 });
    expect(o.maps[8]!.inner).toBeUndefined();
  });

  it('resolves every map reference to MAP_IDX with the map index', () => {
    const o = load('maps');
    const refs = mapRefs(o, prog(o, 'xdp_maps'));
    expect(refs.filter((r) => r[1] === 'map').map((r) => r[2])).toEqual(['flows', 'pcpu', 'outer_arr', 'outer_hash', 'lru', 'prefixes', 'tx_hash', 'events', 'jumps', 'xsks', 'cpus', 'tx_ports']);
    expect(refs.every((r) => r[3] === 0)).toBe(true);
  });

  it('reads legacy struct bpf_map_def maps and warns that libbpf 1.x refuses them', () => {
    const o = load('legacy');
    expect(o.maps).toEqual([
      { index: 0, name: 'rxcnt', type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: 8, maxEntries: 256, flags: 0, pinning: 0, origin: 'legacy' },
      { index: 1, name: 'blocked', type: MapType.HASH, keySize: 4, valueSize: 1, maxEntries: 1000, flags: 1, pinning: 0, origin: 'legacy' },
    ]);
    expect(mapRefs(o, prog(o, 'xdp_legacy')).map((r) => r[2])).toEqual(['rxcnt', 'blocked']);
    expect(o.warnings.some((w) => w.includes('legacy map definition'))).toBe(true);
  });

  it('makes global data sections single-entry arrays with their initial bytes', () => {
    const o = load('globals');
    const rows = o.maps.map((m) => [m.name, m.origin, m.valueSize, m.flags, m.readonly ?? false]);
    expect(rows).toEqual([
      ['.rodata', 'rodata', 15, BPF_F_RDONLY_PROG | BPF_F_MMAPABLE, true],
      ['.data', 'data', 8, BPF_F_MMAPABLE, false],
      ['.data.custom', 'data', 4, BPF_F_MMAPABLE, false],
      ['.bss', 'bss', 140, BPF_F_MMAPABLE, false],
      ['.kconfig', 'kconfig', 9, BPF_F_RDONLY_PROG | BPF_F_MMAPABLE, true],
    ]);
    for (const m of o.maps) expect([m.type, m.keySize, m.maxEntries]).toEqual([MapType.ARRAY, 4, 1]);
    // cfg_port = 8080, cfg_mode = {1,2,3}, then the bpf_printk format string.
    expect(Array.from(o.maps[0]!.initial!)).toEqual([0x90, 0x1f, 0, 0, 1, 2, 3, ...Array.from(new TextEncoder().encode('drop %u')), 0]);
    expect(Array.from(o.maps[1]!.initial!)).toEqual([5, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(o.maps[2]!.initial!)).toEqual([42, 0, 0, 0]);
    expect(o.maps[3]!.initial!.every((b) => b === 0)).toBe(true);
  });

  it('resolves global data references to MAP_IDX_VALUE with the offset in the tail slot', () => {
    const o = load('globals');
    // Expected from `llvm-objdump -dr` and `-t` of the fixture: symbol value (+ imm for the
    // section-symbol reference of the static private_counter) = offset inside the map value.
    expect(mapRefs(o, prog(o, 'xdp_globals'))).toEqual([
      [1, 'value', '.data', 0], // hits
      [6, 'value', '.data.custom', 0], // custom_value
      [11, 'value', '.rodata', 4], // cfg_mode
      [14, 'value', '.bss', 0], // private_counter via the .bss section symbol
      [22, 'value', '.bss', 8], // big_table
      [31, 'value', '.kconfig', 0], // LINUX_KERNEL_VERSION (int, align 4)
      [38, 'value', '.kconfig', 4], // CONFIG_BPF_JIT (bool)
      [42, 'value', '.kconfig', 5], // CONFIG_HZ_STR (char[4])
      [48, 'value', '.rodata', 0], // cfg_port
      [52, 'value', '.bss', 136], // drops
      [57, 'value', '.rodata', 7], // the bpf_printk format string
    ]);
  });
});

describe('loadObject: programs and linking', () => {
  it('creates one program per global function, linking .text callees depth-first as libbpf does', () => {
    const o = load('subprogs');
    expect(o.programs.map((p) => [p.name, p.section, p.progType, p.sectionOffset])).toEqual([
      ['prog_a', 'xdp', PROG_TYPE.XDP, 0],
      ['prog_b', 'xdp', PROG_TYPE.XDP, 18 * 8],
      ['prog_c', 'xdp', PROG_TYPE.XDP, 34 * 8],
    ]);
    const a = prog(o, 'prog_a');
    // Call sites in order: bpf_loop callback address, middle, global_sub; middle calls leaf twice.
    expect(a.funcs.map((f) => f.name)).toEqual(['prog_a', 'loop_cb', 'middle', 'leaf', 'global_sub']);
    expect(calls(a)).toEqual([[6, 'loop_cb'], [11, 'middle'], [14, 'global_sub'], [24, 'leaf'], [28, 'leaf']]);
    expect(a.insns[6]).toMatchObject({ code: 0x18, src: LdImm64Src.FUNC });
    const b = prog(o, 'prog_b');
    // leaf from .text, then same_section (a static function of the program's own section).
    expect(b.funcs.map((f) => f.name)).toEqual(['prog_b', 'leaf', 'same_section']);
    expect(calls(b)).toEqual([[2, 'leaf'], [5, 'same_section']]);
    expect(prog(o, 'prog_c').funcs.map((f) => f.name)).toEqual(['prog_c']);
    expect(prog(o, 'prog_c').insns).toHaveLength(2);
    // Each function keeps its BTF FUNC id from func_info.
    expect(a.funcs.every((f) => f.btfTypeId !== undefined)).toBe(true);
    expect(o.warnings).toContain("programs: static function 'same_section' in section 'xdp' is not a program (libbpf refuses static programs) (section xdp, offset 248)");
  });

  it('maps section names to program types as libbpf does', () => {
    const o = load('sections');
    expect(o.programs.map((p) => [p.name, p.progType, p.frags, p.attach])).toEqual([
      ['p_xdp', PROG_TYPE.XDP, false, 'none'],
      ['p_frags', PROG_TYPE.XDP, true, 'none'],
      ['p_devmap', PROG_TYPE.XDP, false, 'devmap'],
      ['p_cpumap', PROG_TYPE.XDP, false, 'cpumap'],
      ['p_frags_devmap', PROG_TYPE.XDP, true, 'devmap'],
      ['p_frags_cpumap', PROG_TYPE.XDP, true, 'cpumap'],
      ['p_noautoload', PROG_TYPE.XDP, false, 'none'],
      ['p_tc', PROG_TYPE.SCHED_CLS, false, 'none'],
      ['p_tcx', PROG_TYPE.SCHED_CLS, false, 'none'],
      ['p_classifier', PROG_TYPE.SCHED_CLS, false, 'none'],
      ['p_socket', PROG_TYPE.SOCKET_FILTER, false, 'none'],
      ['p_tp', PROG_TYPE.TRACEPOINT, false, 'none'],
      ['p_kprobe', PROG_TYPE.KPROBE, false, 'none'],
      ['p_legacy', PROG_TYPE.UNSPEC, false, 'none'],
    ]);
    expect(o.warnings.filter((w) => w.includes("'xdp_foo' is not a libbpf program section"))).toHaveLength(1);
    const over = load('sections', { progTypeOverride: PROG_TYPE.XDP });
    expect(prog(over, 'p_legacy').progType).toBe(PROG_TYPE.XDP);
    expect(prog(over, 'p_tc').progType).toBe(PROG_TYPE.SCHED_CLS); // recognised sections keep their type
    const legacy = load('legacy', { progTypeOverride: PROG_TYPE.XDP });
    expect(legacy.programs.map((p) => [p.name, p.section, p.progType])).toEqual([['xdp_legacy', 'prog', 6], ['xdp_drop', 'xdp_drop_all', 6]]);
  });

  it('turns extern function calls into kfunc calls, also inside linked subprograms', () => {
    const o = load('kfuncs');
    const p = prog(o, 'xdp_meta');
    expect(p.funcs.map((f) => f.name)).toEqual(['xdp_meta', 'hash_of']);
    expect(p.kfuncs.map((k) => k.name)).toEqual(['bpf_xdp_metadata_rx_timestamp', 'bpf_xdp_metadata_rx_vlan_tag', 'bpf_xdp_metadata_rx_hash']);
    expect(p.kfuncs[2]!.slot).toBeGreaterThan(p.funcs[1]!.start);
    // The weak kfunc's address check and the typed ksym both become BPF_PSEUDO_BTF_ID loads.
    const btfIds = p.insns.filter((i) => i.code === 0x18 && !i.tail && i.src === LdImm64Src.BTF_ID);
    expect(btfIds).toHaveLength(2);
    expect(o.warnings).toEqual([]);
  });

  it('reads the license and the basic fixture end to end', () => {
    const o = load('basic');
    expect(o.license).toBe('GPL');
    const p = prog(o, 'xdp_count');
    expect(p.insns).toHaveLength(17);
    expect(calls(p)).toEqual([[4, 'bump']]);
    expect(p.insns[4]!.imm).toBe(2);
    expect(mapRefs(o, p)).toEqual([[10, 'map', 'counters', 0]]);
  });
});

describe('loadObject: line info', () => {
  it('maps slots to source lines, including linked subprograms', () => {
    const o = load('basic');
    const p = prog(o, 'xdp_count');
    const at = (slot: number) => p.lines[slot] && [p.lines[slot]!.line, p.lines[slot]!.column, p.lines[slot]!.text.trim()];
    expect(p.lines[0]!.file.endsWith('test/fixtures/loader/basic.c')).toBe(true);
    expect(at(0)).toEqual([24, 35, '__u32 len = ctx->data_end - ctx->data;']);
    expect(at(3)).toEqual([25, 11, 'bump(len & 3);']);
    expect(at(5)).toEqual([26, 2, 'return XDP_PASS;']);
    expect(at(6)).toBeUndefined();
    // bump, appended at slot 7: its lines come from .text.
    expect(at(7)).toEqual([12, 0, 'static __noinline int bump(__u32 key)']);
    expect(at(9)).toBeUndefined(); // clang's line-0 record (compiler-generated) is dropped
    expect(at(10)).toEqual([14, 13, '__u64 *v = bpf_map_lookup_elem(&counters, &key);']);
    expect(at(16)).toEqual([19, 1, '}']);
  });

  it('refuses relocations that point nowhere, naming stage and offset', () => {
    const bytes = fixtureObject('basic').slice();
    const d = loadObjectDetail(bytes);
    if (!d.ok) throw new Error(d.error.message);
    const elf = d.value.elf;
    const text = elf.sectionByName('.text')!;
    const rel = elf.relocations.get(text.index)![0]!;
    // Point the map relocation at the 'bump' FUNC symbol's neighbour: an undefined null symbol (#0).
    new DataView(bytes.buffer).setUint32(rel.fileOffset + 12, 0, true);
    const r = loadObject(bytes);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ stage: 'relo', where: 'section .text', offset: 24 });
    expect(r.error.message).toMatch(/undefined symbol without a name/);
    // A call into the middle of nowhere: make the xdp call's imm point past .text.
    const b2 = fixtureObject('basic').slice();
    const xdp = elf.sectionByName('xdp')!;
    new DataView(b2.buffer).setInt32(xdp.offset + 4 * 8 + 4, 500, true);
    const r2 = loadObject(b2);
    expect(r2.ok).toBe(false);
    if (!r2.ok) {
      expect(r2.error).toMatchObject({ stage: 'programs', where: 'section xdp', offset: 32 });
      expect(r2.error.message).toMatch(/not inside any function/);
    }
  });
});
