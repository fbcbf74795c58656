// The .BTF section: header, type records and string table, parsed and validated into plain
// data with lookups. Encoding: include/uapi/linux/btf.h (Linux 6.12):
//   struct btf_header { u16 magic (0xeB9F); u8 version (1); u8 flags; u32 hdr_len;
//                       u32 type_off, type_len, str_off, str_len }  (offsets after the header)
//   struct btf_type   { u32 name_off; u32 info (vlen 0-15, kind 24-28, kind_flag 31); u32 size|type }
// followed by kind-specific data (btf_array 12 bytes, vlen x btf_member/btf_param/btf_enum/
// btf_var_secinfo 12/8/8/12 bytes, btf_enum64 12, u32 for INT/VAR/DECL_TAG).
//
// What must stay true: no input throws; every record is checked to lie inside the type section,
// every name offset inside the string table, every referenced type id inside the type table,
// before it is used. Errors name stage 'btf' and the offset inside the section.

import { Result } from '../result';
import { cString } from '../elf/strings';
import type { BtfMember, BtfParam, BtfType, BtfVarSecinfo, BtfKind } from './types';
import { BtfKindNum, KIND_NAMES, isModifier } from './types';

export const BTF_MAGIC = 0xeb9f;
const HDR_MIN = 24;
const TYPE_SIZE = 12;

export interface Btf {
  /** Indexed by type id; types[0] is void. */
  readonly types: readonly BtfType[];
  typeById(id: number): BtfType | undefined;
  /** Every type with this name, in id order (optionally only one kind). */
  allByName(name: string, kind?: BtfKind): BtfType[];
  /** The first type with this name (optionally of one kind). */
  byName(name: string, kind?: BtfKind): BtfType | undefined;
  /** The type after skipping typedef/const/volatile/restrict/type_tag; undefined on a bad id or a cycle. */
  resolve(id: number): BtfType | undefined;
  /** The id `resolve` lands on (0 for void, -1 for a bad id or a cycle). */
  resolveId(id: number): number;
  /** Size in bytes of a sized type (pointers are 8); undefined for void, func, fwd or bad ids. */
  sizeOf(id: number): number | undefined;
  /** The strings of DECL_TAGs attached to the FUNC named `funcName` (the function itself, not its params). */
  declTags(funcName: string): string[];
  /** DECL_TAG strings attached to type `id` (componentIdx -1 = the type itself). */
  declTagsOf(id: number, componentIdx?: number): string[];
  /** The string at `offset` of the BTF string table, or undefined when out of range. */
  stringAt(offset: number): string | undefined;
  /** The string table's size in bytes. */
  readonly stringsLength: number;
}

export function parseBtf(data: Uint8Array): Result<Btf> {
  const where = 'section .BTF';
  const err = (offset: number, message: string): Result<Btf> => Result.err('btf', where, offset, message);
  const len = data.length;
  if (len < HDR_MIN) return err(0, `truncated BTF header: need ${HDR_MIN} bytes, section has ${len}`);
  const view = new DataView(data.buffer, data.byteOffset, len);
  const magic = view.getUint16(0, true);
  if (magic === 0x9feb) return err(0, 'big-endian BTF is not supported: recompile with -target bpf or bpfel');
  if (magic !== BTF_MAGIC) return err(0, `bad BTF magic 0x${magic.toString(16)}, expected 0xeb9f`);
  const version = view.getUint8(2);
  if (version !== 1) return err(2, `unsupported BTF version ${version}`);
  const hdrLen = view.getUint32(4, true);
  if (hdrLen < HDR_MIN || hdrLen > len) return err(4, `BTF header length ${hdrLen} is outside [${HDR_MIN}, ${len}]`);
  const typeOff = view.getUint32(8, true);
  const typeLen = view.getUint32(12, true);
  const strOff = view.getUint32(16, true);
  const strLen = view.getUint32(20, true);
  const body = len - hdrLen;
  if (typeOff > body || typeLen > body - typeOff) return err(8, `BTF type section [${typeOff}, +${typeLen}) lies outside the ${body} bytes after the header`);
  if (strOff > body || strLen > body - strOff) return err(16, `BTF string section [${strOff}, +${strLen}) lies outside the ${body} bytes after the header`);
  if (typeOff % 4 !== 0) return err(8, `BTF type section offset ${typeOff} is not 4-byte aligned`);
  const strStart = hdrLen + strOff;
  const strings = data.subarray(strStart, strStart + strLen);
  if (strLen > 0 && (strings[0] !== 0 || strings[strLen - 1] !== 0)) {
    return err(strStart, 'BTF string section must start and end with a NUL byte');
  }

  // Name offsets are validated as they are read; an offset past the table is an error at the record.
  let badNameAt = -1;
  let badNameOff = 0;
  const name = (off: number, at: number): string => {
    if (off === 0) return '';
    if (off >= strLen) {
      if (badNameAt < 0) {
        badNameAt = at;
        badNameOff = off;
      }
      return '';
    }
    return cString(strings, off);
  };

  const types: BtfType[] = [{ kind: 'void', id: 0, name: '' }];
  const typeStart = hdrLen + typeOff;
  const typeEnd = typeStart + typeLen;
  let p = typeStart;
  // Referenced ids are checked once all types are known: [offset of the field, id].
  const refs: number[] = [];
  const ref = (at: number, id: number): number => {
    refs.push(at, id);
    return id;
  };
  while (p < typeEnd) {
    if (typeEnd - p < TYPE_SIZE) return err(p, `truncated BTF type record: ${typeEnd - p} bytes left, need ${TYPE_SIZE}`);
    const id = types.length;
    const nameOff = view.getUint32(p, true);
    const info = view.getUint32(p + 4, true);
    const sizeOrType = view.getUint32(p + 8, true);
    const vlen = info & 0xffff;
    const kindNum = (info >>> 24) & 0x1f;
    const kindFlag = info >>> 31 === 1;
    const at = p;
    const nm = name(nameOff, at);
    if (badNameAt >= 0) return err(badNameAt, `type [${id}]: name offset ${badNameOff} is past the end of the string table (${strLen} bytes)`);
    p += TYPE_SIZE;
    const need = (bytes: number, what: string): Result<Btf> | undefined =>
      bytes > typeEnd - p ? err(p, `type [${id}] ${KIND_NAMES[kindNum] ?? kindNum}: ${what} (${bytes} bytes) runs past the end of the type section`) : undefined;
    let t: BtfType;
    switch (kindNum) {
      case BtfKindNum.INT: {
        const e = need(4, 'int encoding');
        if (e) return e;
        const enc = view.getUint32(p, true);
        p += 4;
        const bits = enc & 0xff;
        const bitOffset = (enc >>> 16) & 0xff;
        const encoding = (enc >>> 24) & 0x0f;
        if (![1, 2, 4, 8, 16].includes(sizeOrType)) return err(at + 8, `type [${id}] int: size ${sizeOrType} is not 1, 2, 4, 8 or 16`);
        if (bits === 0 || bitOffset + bits > sizeOrType * 8) return err(at + TYPE_SIZE, `type [${id}] int: ${bits} bits at bit ${bitOffset} do not fit in ${sizeOrType} bytes`);
        t = { kind: 'int', id, name: nm, size: sizeOrType, encoding, bitOffset, bits };
        break;
      }
      case BtfKindNum.PTR:
      case BtfKindNum.TYPEDEF:
      case BtfKindNum.VOLATILE:
      case BtfKindNum.CONST:
      case BtfKindNum.RESTRICT:
      case BtfKindNum.TYPE_TAG:
        t = { kind: KIND_NAMES[kindNum] as 'ptr', id, name: nm, type: ref(at + 8, sizeOrType) } as BtfType;
        break;
      case BtfKindNum.ARRAY: {
        const e = need(12, 'btf_array');
        if (e) return e;
        t = { kind: 'array', id, name: nm, type: ref(p, view.getUint32(p, true)), indexType: ref(p + 4, view.getUint32(p + 4, true)), nelems: view.getUint32(p + 8, true) };
        p += 12;
        break;
      }
      case BtfKindNum.STRUCT:
      case BtfKindNum.UNION: {
        const e = need(vlen * 12, `${vlen} members`);
        if (e) return e;
        const members: BtfMember[] = new Array(vlen);
        for (let i = 0; i < vlen; i++, p += 12) {
          const off = view.getUint32(p + 8, true);
          members[i] = {
            name: name(view.getUint32(p, true), p),
            type: ref(p + 4, view.getUint32(p + 4, true)),
            bitOffset: kindFlag ? off & 0xffffff : off,
            bitfieldSize: kindFlag ? off >>> 24 : 0,
          };
          // A member may start at the very end (a flexible array), never after it.
          if (members[i]!.bitOffset > sizeOrType * 8) {
            return err(p + 8, `type [${id}] ${KIND_NAMES[kindNum]}: member ${i} at bit ${members[i]!.bitOffset} lies outside the ${sizeOrType}-byte type`);
          }
        }
        t = { kind: kindNum === BtfKindNum.STRUCT ? 'struct' : 'union', id, name: nm, size: sizeOrType, members };
        break;
      }
      case BtfKindNum.ENUM: {
        const e = need(vlen * 8, `${vlen} enumerators`);
        if (e) return e;
        if (![1, 2, 4, 8].includes(sizeOrType)) return err(at + 8, `type [${id}] enum: size ${sizeOrType} is not 1, 2, 4 or 8`);
        const values: { name: string; value: number }[] = new Array(vlen);
        for (let i = 0; i < vlen; i++, p += 8) {
          const raw = view.getInt32(p + 4, true);
          values[i] = { name: name(view.getUint32(p, true), p), value: kindFlag ? raw : raw >>> 0 };
        }
        t = { kind: 'enum', id, name: nm, size: sizeOrType, signed: kindFlag, values };
        break;
      }
      case BtfKindNum.ENUM64: {
        const e = need(vlen * 12, `${vlen} enumerators`);
        if (e) return e;
        if (![1, 2, 4, 8].includes(sizeOrType)) return err(at + 8, `type [${id}] enum64: size ${sizeOrType} is not 1, 2, 4 or 8`);
        const values: { name: string; value: bigint }[] = new Array(vlen);
        for (let i = 0; i < vlen; i++, p += 12) {
          const u = (BigInt(view.getUint32(p + 8, true)) << 32n) | BigInt(view.getUint32(p + 4, true));
          values[i] = { name: name(view.getUint32(p, true), p), value: kindFlag ? BigInt.asIntN(64, u) : u };
        }
        t = { kind: 'enum64', id, name: nm, size: sizeOrType, signed: kindFlag, values };
        break;
      }
      case BtfKindNum.FWD:
        t = { kind: 'fwd', id, name: nm, union: kindFlag };
        break;
      case BtfKindNum.FUNC:
        if (vlen > 2) return err(at + 4, `type [${id}] func: unknown linkage ${vlen}`);
        t = { kind: 'func', id, name: nm, type: ref(at + 8, sizeOrType), linkage: vlen };
        break;
      case BtfKindNum.FUNC_PROTO: {
        const e = need(vlen * 8, `${vlen} parameters`);
        if (e) return e;
        const params: BtfParam[] = new Array(vlen);
        for (let i = 0; i < vlen; i++, p += 8) {
          params[i] = { name: name(view.getUint32(p, true), p), type: ref(p + 4, view.getUint32(p + 4, true)) };
        }
        t = { kind: 'func_proto', id, name: nm, returnType: ref(at + 8, sizeOrType), params };
        break;
      }
      case BtfKindNum.VAR: {
        const e = need(4, 'btf_var');
        if (e) return e;
        const linkage = view.getUint32(p, true);
        p += 4;
        t = { kind: 'var', id, name: nm, type: ref(at + 8, sizeOrType), linkage };
        break;
      }
      case BtfKindNum.DATASEC: {
        const e = need(vlen * 12, `${vlen} variables`);
        if (e) return e;
        const vars: BtfVarSecinfo[] = new Array(vlen);
        for (let i = 0; i < vlen; i++, p += 12) {
          vars[i] = { type: ref(p, view.getUint32(p, true)), offset: view.getUint32(p + 4, true), size: view.getUint32(p + 8, true) };
        }
        t = { kind: 'datasec', id, name: nm, size: sizeOrType, vars };
        break;
      }
      case BtfKindNum.FLOAT:
        if (![2, 4, 8, 12, 16].includes(sizeOrType)) return err(at + 8, `type [${id}] float: size ${sizeOrType} is not 2, 4, 8, 12 or 16`);
        t = { kind: 'float', id, name: nm, size: sizeOrType };
        break;
      case BtfKindNum.DECL_TAG: {
        const e = need(4, 'btf_decl_tag');
        if (e) return e;
        const componentIdx = view.getInt32(p, true);
        p += 4;
        if (componentIdx < -1) return err(p - 4, `type [${id}] decl_tag: component index ${componentIdx} is below -1`);
        t = { kind: 'decl_tag', id, name: nm, type: ref(at + 8, sizeOrType), componentIdx };
        break;
      }
      default:
        return err(at + 4, `type [${id}]: unknown BTF kind ${kindNum}`);
    }
    if (badNameAt >= 0) return err(badNameAt, `type [${id}]: name offset ${badNameOff} is past the end of the string table (${strLen} bytes)`);
    types.push(t);
  }

  const count = types.length;
  for (let i = 0; i < refs.length; i += 2) {
    if (refs[i + 1]! >= count) return err(refs[i]!, `type id ${refs[i + 1]} is out of range (${count - 1} types)`);
  }
  // Kind-level checks that need the referenced types (the kernel's btf_check_all_types does more).
  for (const t of types) {
    if (t.kind === 'func' && types[t.type]!.kind !== 'func_proto') {
      return err(typeOffsetOf(view, typeStart, typeEnd, t.id) + 8, `type [${t.id}] func ${t.name}: type [${t.type}] is ${types[t.type]!.kind}, expected func_proto`);
    }
    if (t.kind === 'decl_tag' && t.componentIdx >= 0) {
      const target = types[t.type]!;
      const n = target.kind === 'struct' || target.kind === 'union' ? target.members.length : target.kind === 'func' ? paramCount(types, target.type) : -1;
      if (t.componentIdx >= n) {
        return err(typeOffsetOf(view, typeStart, typeEnd, t.id) + TYPE_SIZE, `type [${t.id}] decl_tag: component ${t.componentIdx} does not exist in type [${t.type}]`);
      }
    }
  }

  return Result.ok(makeBtf(types, strings));
}

function paramCount(types: readonly BtfType[], protoId: number): number {
  const p = types[protoId];
  return p && p.kind === 'func_proto' ? p.params.length : -1;
}

/** File offset of type `id` (re-walks the section; only used on the error path). */
function typeOffsetOf(view: DataView, start: number, end: number, id: number): number {
  let p = start;
  for (let i = 1; i < id && p + TYPE_SIZE <= end; i++) {
    const info = view.getUint32(p + 4, true);
    const vlen = info & 0xffff;
    const kind = (info >>> 24) & 0x1f;
    p += TYPE_SIZE + extraBytes(kind, vlen);
  }
  return p;
}

function extraBytes(kind: number, vlen: number): number {
  switch (kind) {
    case BtfKindNum.INT: case BtfKindNum.VAR: case BtfKindNum.DECL_TAG: return 4;
    case BtfKindNum.ARRAY: return 12;
    case BtfKindNum.STRUCT: case BtfKindNum.UNION: case BtfKindNum.DATASEC: case BtfKindNum.ENUM64: return vlen * 12;
    case BtfKindNum.ENUM: case BtfKindNum.FUNC_PROTO: return vlen * 8;
    default: return 0;
  }
}

const MAX_CHAIN = 64;

function makeBtf(types: BtfType[], strings: Uint8Array): Btf {
  let byName: Map<string, BtfType[]> | undefined;
  let tagsByTarget: Map<number, BtfType[]> | undefined;
  const stringCache = new Map<number, string>();
  const nameIndex = (): Map<string, BtfType[]> => {
    if (!byName) {
      byName = new Map();
      for (const t of types) {
        if (!t.name) continue;
        const list = byName.get(t.name);
        if (list) list.push(t);
        else byName.set(t.name, [t]);
      }
    }
    return byName;
  };
  const resolveId = (id: number): number => {
    let cur = id;
    for (let i = 0; i < MAX_CHAIN; i++) {
      const t = types[cur];
      if (!t) return -1;
      if (!isModifier(t)) return cur;
      cur = t.type;
    }
    return -1;
  };
  const sizeOf = (id: number, depth: number): number | undefined => {
    if (depth > MAX_CHAIN) return undefined;
    const rid = resolveId(id);
    const t = rid >= 0 ? types[rid] : undefined;
    if (!t) return undefined;
    switch (t.kind) {
      case 'int': case 'enum': case 'enum64': case 'struct': case 'union': case 'datasec': case 'float':
        return t.size;
      case 'ptr':
        return 8;
      case 'array': {
        const e = sizeOf(t.type, depth + 1);
        return e === undefined ? undefined : e * t.nelems;
      }
      case 'var':
        return sizeOf(t.type, depth + 1);
      default:
        return undefined;
    }
  };
  const declTagsOf = (id: number, componentIdx = -1): string[] => {
    if (!tagsByTarget) {
      tagsByTarget = new Map();
      for (const t of types) {
        if (t.kind !== 'decl_tag') continue;
        const list = tagsByTarget.get(t.type);
        if (list) list.push(t);
        else tagsByTarget.set(t.type, [t]);
      }
    }
    const out: string[] = [];
    for (const t of tagsByTarget.get(id) ?? []) if (t.kind === 'decl_tag' && t.componentIdx === componentIdx) out.push(t.name);
    return out;
  };
  return {
    types,
    typeById: (id) => types[id],
    allByName: (n, kind) => (nameIndex().get(n) ?? []).filter((t) => !kind || t.kind === kind),
    byName: (n, kind) => (nameIndex().get(n) ?? []).find((t) => !kind || t.kind === kind),
    resolve: (id) => {
      const r = resolveId(id);
      return r >= 0 ? types[r] : undefined;
    },
    resolveId,
    sizeOf: (id) => sizeOf(id, 0),
    declTags: (funcName) => {
      const out: string[] = [];
      for (const f of nameIndex().get(funcName) ?? []) if (f.kind === 'func') out.push(...declTagsOf(f.id, -1));
      return out;
    },
    declTagsOf,
    stringAt: (off) => {
      if (!(off >= 0 && off < strings.length)) return undefined;
      // line_info repeats file names and source lines thousands of times: decode each once.
      let s = stringCache.get(off);
      if (s === undefined) {
        s = cString(strings, off);
        stringCache.set(off, s);
      }
      return s;
    },
    stringsLength: strings.length,
  };
}
