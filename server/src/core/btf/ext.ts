// The .BTF.ext section: per-section func_info, line_info and CO-RE relocation records.
// Encoding: tools/lib/bpf/libbpf_internal.h and include/uapi/linux/bpf.h (Linux 6.12):
//   struct btf_ext_header { u16 magic; u8 version; u8 flags; u32 hdr_len;
//                           u32 func_info_off, func_info_len, line_info_off, line_info_len;
//                           u32 core_relo_off, core_relo_len  (present when hdr_len >= 32) }
//   each info block: u32 rec_size, then { u32 sec_name_off; u32 num_info; rec_size x num_info }*
//   bpf_func_info { u32 insn_off; u32 type_id }                               (8 bytes)
//   bpf_line_info { u32 insn_off; u32 file_name_off; u32 line_off; u32 line_col } (16 bytes)
//   bpf_core_relo { u32 insn_off; u32 type_id; u32 access_str_off; u32 kind }  (16 bytes)
// In an ELF object insn_off counts bytes inside the section (libbpf divides by 8 when loading).
// line_col packs line = line_col >> 10, column = line_col & 0x3ff (BPF_LINE_INFO_LINE_NUM/_COL).
// Strings (section names, file names, source lines, access strings) live in the .BTF string table.

import { Result } from '../result';
import type { Btf } from './btf';
import { BTF_MAGIC } from './btf';

export interface BtfExtFuncInfo {
  /** Byte offset of the function's first instruction inside its section. */
  readonly insnOff: number;
  readonly typeId: number;
}

export interface BtfExtLineInfo {
  /** Byte offset of the instruction inside its section. */
  readonly insnOff: number;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The source line text clang recorded ('' when none). */
  readonly text: string;
}

/** enum bpf_core_relo_kind (include/uapi/linux/bpf.h, 6.12). */
export const CoreReloKind = {
  FIELD_BYTE_OFFSET: 0, FIELD_BYTE_SIZE: 1, FIELD_EXISTS: 2, FIELD_SIGNED: 3, FIELD_LSHIFT_U64: 4,
  FIELD_RSHIFT_U64: 5, TYPE_ID_LOCAL: 6, TYPE_ID_TARGET: 7, TYPE_EXISTS: 8, TYPE_SIZE: 9,
  ENUMVAL_EXISTS: 10, ENUMVAL_VALUE: 11, TYPE_MATCHES: 12,
} as const;

export interface BtfExtCoreRelo {
  readonly insnOff: number;
  /** The local type the access string starts from. */
  readonly typeId: number;
  /** e.g. "0:1:2" (field indices) or an enumerator index. */
  readonly accessStr: string;
  /** CoreReloKind. */
  readonly kind: number;
}

export interface BtfExt {
  /** By ELF section name; records in section order as clang emitted them. */
  readonly funcInfo: ReadonlyMap<string, readonly BtfExtFuncInfo[]>;
  readonly lineInfo: ReadonlyMap<string, readonly BtfExtLineInfo[]>;
  readonly coreRelos: ReadonlyMap<string, readonly BtfExtCoreRelo[]>;
}

const HDR_MIN = 24;

export function parseBtfExt(data: Uint8Array, btf: Btf): Result<BtfExt> {
  const where = 'section .BTF.ext';
  const err = (offset: number, message: string): Result<BtfExt> => Result.err('btf.ext', where, offset, message);
  const len = data.length;
  if (len < HDR_MIN) return err(0, `truncated .BTF.ext header: need ${HDR_MIN} bytes, section has ${len}`);
  const view = new DataView(data.buffer, data.byteOffset, len);
  const magic = view.getUint16(0, true);
  if (magic !== BTF_MAGIC) return err(0, `bad .BTF.ext magic 0x${magic.toString(16)}, expected 0xeb9f`);
  if (view.getUint8(2) !== 1) return err(2, `unsupported .BTF.ext version ${view.getUint8(2)}`);
  const hdrLen = view.getUint32(4, true);
  if (hdrLen < HDR_MIN || hdrLen > len) return err(4, `.BTF.ext header length ${hdrLen} is outside [${HDR_MIN}, ${len}]`);

  const str = (off: number): string | undefined => btf.stringAt(off);
  const funcInfo = new Map<string, BtfExtFuncInfo[]>();
  const lineInfo = new Map<string, BtfExtLineInfo[]>();
  const coreRelos = new Map<string, BtfExtCoreRelo[]>();

  // Walks one info block, calling `rec` for each record; returns an error result or undefined.
  const block = (
    hdrField: number,
    minRec: number,
    what: string,
    rec: (sec: string, at: number) => string | undefined,
  ): Result<BtfExt> | undefined => {
    if (hdrField + 8 > hdrLen) return undefined; // block absent from an older, shorter header
    const off = view.getUint32(hdrField, true);
    const size = view.getUint32(hdrField + 4, true);
    if (size === 0) return undefined;
    const start = hdrLen + off;
    if (off > len - hdrLen || size > len - start) return err(hdrField, `${what} [${off}, +${size}) lies outside the section`);
    const end = start + size;
    if (size < 4) return err(start, `${what}: truncated record size`);
    const recSize = view.getUint32(start, true);
    if (recSize < minRec || recSize % 4 !== 0) return err(start, `${what}: record size ${recSize} is invalid (minimum ${minRec}, multiple of 4)`);
    let p = start + 4;
    while (p < end) {
      if (end - p < 8) return err(p, `${what}: truncated section header`);
      const secOff = view.getUint32(p, true);
      const num = view.getUint32(p + 4, true);
      const sec = str(secOff);
      if (sec === undefined) return err(p, `${what}: section name offset ${secOff} is past the end of the BTF string table (${btf.stringsLength} bytes)`);
      if (num === 0) return err(p + 4, `${what}: section ${sec} has no records`);
      p += 8;
      if (num > (end - p) / recSize) return err(p - 4, `${what}: ${num} records of ${recSize} bytes for section ${sec} run past the end of the block`);
      for (let i = 0; i < num; i++, p += recSize) {
        const problem = rec(sec, p);
        if (problem) return err(p, `${what} for section ${sec}, record ${i}: ${problem}`);
      }
    }
    return undefined;
  };

  const push = <T>(m: Map<string, T[]>, k: string, v: T): void => {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  };

  const typeCount = btf.types.length;
  const e1 = block(8, 8, 'func_info', (sec, at) => {
    const insnOff = view.getUint32(at, true);
    const typeId = view.getUint32(at + 4, true);
    if (typeId === 0 || typeId >= typeCount) return `type id ${typeId} is out of range (${typeCount - 1} types)`;
    if (btf.types[typeId]!.kind !== 'func') return `type [${typeId}] is ${btf.types[typeId]!.kind}, expected func`;
    if (insnOff % 8 !== 0) return `instruction offset ${insnOff} is not a multiple of 8`;
    push(funcInfo, sec, { insnOff, typeId });
    return undefined;
  });
  if (e1) return e1;
  const e2 = block(16, 16, 'line_info', (sec, at) => {
    const insnOff = view.getUint32(at, true);
    const fileOff = view.getUint32(at + 4, true);
    const lineOff = view.getUint32(at + 8, true);
    const lineCol = view.getUint32(at + 12, true);
    const file = str(fileOff);
    if (file === undefined) return `file name offset ${fileOff} is past the end of the BTF string table`;
    const text = str(lineOff);
    if (text === undefined) return `line text offset ${lineOff} is past the end of the BTF string table`;
    if (insnOff % 8 !== 0) return `instruction offset ${insnOff} is not a multiple of 8`;
    push(lineInfo, sec, { insnOff, file, line: lineCol >>> 10, column: lineCol & 0x3ff, text });
    return undefined;
  });
  if (e2) return e2;
  const e3 = block(24, 16, 'core_relo', (sec, at) => {
    const insnOff = view.getUint32(at, true);
    const typeId = view.getUint32(at + 4, true);
    const accOff = view.getUint32(at + 8, true);
    const kind = view.getUint32(at + 12, true);
    if (typeId >= typeCount) return `type id ${typeId} is out of range (${typeCount - 1} types)`;
    const accessStr = str(accOff);
    if (accessStr === undefined) return `access string offset ${accOff} is past the end of the BTF string table`;
    if (kind > CoreReloKind.TYPE_MATCHES) return `unknown CO-RE relocation kind ${kind}`;
    if (insnOff % 8 !== 0) return `instruction offset ${insnOff} is not a multiple of 8`;
    push(coreRelos, sec, { insnOff, typeId, accessStr, kind });
    return undefined;
  });
  if (e3) return e3;
  return Result.ok({ funcInfo, lineInfo, coreRelos });
}
