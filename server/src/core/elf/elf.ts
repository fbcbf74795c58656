// ELF64 little-endian reader for clang-built BPF relocatable objects.
//
// Layout facts come from the System V gABI (ELF-64 Object File Format 1.5) and the kernel's
// include/uapi/linux/elf.h (6.12): Elf64_Ehdr is 64 bytes, Elf64_Shdr 64, Elf64_Sym 24,
// Elf64_Rel 16, Elf64_Rela 24. EM_BPF = 247 (include/uapi/linux/elf-em.h).
//
// What must stay true: no input makes this throw. Every read is bounds-checked first and a
// problem is returned as Result.err('elf', 'file', offset, message) with the file offset of
// the structure that is wrong. Section data are subarrays of the input (no copies).

import { Result } from '../result';
import { cString } from './strings';

export const EM_BPF = 247;

export const ShType = {
  NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3, RELA: 4, HASH: 5, DYNAMIC: 6, NOTE: 7, NOBITS: 8, REL: 9,
  DYNSYM: 11, SYMTAB_SHNDX: 18, LLVM_ADDRSIG: 0x6fff4c03,
} as const;

export const ShFlag = { WRITE: 0x1, ALLOC: 0x2, EXECINSTR: 0x4 } as const;

export const SymType = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4 } as const;
export const SymBind = { LOCAL: 0, GLOBAL: 1, WEAK: 2 } as const;
export const SymVis = { DEFAULT: 0, INTERNAL: 1, HIDDEN: 2, PROTECTED: 3 } as const;

/** Special section indices (gABI). */
export const Shn = { UNDEF: 0, LORESERVE: 0xff00, ABS: 0xfff1, COMMON: 0xfff2, XINDEX: 0xffff } as const;

/** BPF relocation types (llvm/BinaryFormat/ELFRelocs/BPF.def). */
export const BpfReloc = { NONE: 0, R_BPF_64_64: 1, R_BPF_64_ABS64: 2, R_BPF_64_ABS32: 3, R_BPF_64_NODYLD32: 4, R_BPF_64_32: 10 } as const;

export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  /** File offset of the section's bytes. */
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly entsize: number;
  readonly addralign: number;
  /** The section's bytes (a view into the input); empty for SHT_NOBITS. */
  readonly data: Uint8Array;
}

export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  readonly value: number;
  readonly size: number;
  readonly type: number;
  readonly bind: number;
  readonly visibility: number;
  readonly shndx: number;
}

export interface ElfReloc {
  /** Byte offset inside the target section. */
  readonly offset: number;
  /** Symbol table index. */
  readonly symbol: number;
  readonly type: number;
  /** Explicit addend, only for SHT_RELA sections (BPF objects use SHT_REL). */
  readonly addend?: number;
  /** File offset of this relocation record (for error messages). */
  readonly fileOffset: number;
}

export interface ElfFile {
  readonly machine: number;
  readonly sections: ElfSection[];
  readonly symbols: ElfSymbol[];
  /** Relocations by the index of the section they patch. */
  readonly relocations: Map<number, ElfReloc[]>;
  sectionByName(name: string): ElfSection | undefined;
}

/** e_machine values worth naming in an error (include/uapi/linux/elf-em.h, 6.12). */
const MACHINE_NAMES: Record<number, string> = {
  0: 'none', 2: 'SPARC', 3: 'i386', 8: 'MIPS', 20: 'PowerPC', 21: 'PowerPC64', 22: 'S/390', 40: 'ARM',
  43: 'SPARC v9', 50: 'IA-64', 62: 'x86-64', 183: 'AArch64', 243: 'RISC-V', 247: 'BPF', 258: 'LoongArch',
};

export function machineName(m: number): string {
  return MACHINE_NAMES[m] ?? `machine ${m}`;
}

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const REL_SIZE = 16;
const RELA_SIZE = 24;

/** Reads an unsigned 64-bit field as a Number; values past 2^53 come back imprecise but huge, which every range check refuses. */
function u64(view: DataView, off: number): number {
  return view.getUint32(off, true) + view.getUint32(off + 4, true) * 0x1_0000_0000;
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

export function parseElf(bytes: Uint8Array): Result<ElfFile> {
  const len = bytes.length;
  const err = (offset: number, message: string): Result<ElfFile> => Result.err('elf', 'file', offset, message);
  if (len < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    return err(0, 'not an ELF file (missing \\x7fELF magic)');
  }
  if (len < 6) return err(len, `truncated ELF identification: file is ${len} bytes`);
  const cls = bytes[4]!;
  if (cls === 1) return err(4, 'ELFCLASS32 objects are not supported: BPF objects are 64-bit (ELFCLASS64)');
  if (cls !== 2) return err(4, `unknown ELF class ${cls}`);
  const dataEnc = bytes[5]!;
  if (dataEnc === 2) return err(5, 'big-endian BPF objects are not supported: recompile with -target bpf or bpfel');
  if (dataEnc !== 1) return err(5, `unknown ELF data encoding ${dataEnc}`);
  if (len < EHDR_SIZE) return err(len, `truncated ELF header: need ${EHDR_SIZE} bytes, file is ${len}`);

  const view = new DataView(bytes.buffer, bytes.byteOffset, len);
  const machine = view.getUint16(18, true);
  if (machine !== EM_BPF) {
    return err(18, `not a BPF object: e_machine is ${machine} (${machineName(machine)}), expected ${EM_BPF} (BPF); compile with clang -target bpf`);
  }
  const shoff = u64(view, 40);
  const shentsize = view.getUint16(58, true);
  let shnum = view.getUint16(60, true);
  let shstrndx = view.getUint16(62, true);

  if (shoff === 0) {
    return Result.ok(makeFile(machine, [], [], new Map()));
  }
  if (shentsize !== SHDR_SIZE) return err(58, `section header entry size is ${shentsize}, expected ${SHDR_SIZE}`);
  if (shoff > len || shoff + SHDR_SIZE > len) {
    return err(40, `section header table at ${hex(shoff)} lies past the end of the file (${len} bytes)`);
  }
  // Extended numbering (gABI): e_shnum == 0 -> count in section 0's sh_size; e_shstrndx == SHN_XINDEX -> sh_link.
  if (shnum === 0) shnum = u64(view, shoff + 32);
  if (shstrndx === Shn.XINDEX) shstrndx = view.getUint32(shoff + 40, true);
  if (shnum > (len - shoff) / SHDR_SIZE) {
    return err(shoff, `truncated section header table: ${shnum} headers of ${SHDR_SIZE} bytes at ${hex(shoff)} need ${shnum * SHDR_SIZE} bytes, file has ${len - shoff}`);
  }

  // First pass: raw headers.
  const raw: { name: number; type: number; flags: number; offset: number; size: number; link: number; info: number; addralign: number; entsize: number }[] = new Array(shnum);
  for (let i = 0; i < shnum; i++) {
    const h = shoff + i * SHDR_SIZE;
    const type = view.getUint32(h + 4, true);
    const offset = u64(view, h + 24);
    const size = u64(view, h + 32);
    if (type !== ShType.NOBITS && type !== ShType.NULL && (offset > len || size > len - offset)) {
      return err(h + 24, `section ${i}: data [${hex(offset)}, +${size}) lies past the end of the file (${len} bytes)`);
    }
    raw[i] = {
      name: view.getUint32(h, true),
      type,
      flags: u64(view, h + 8),
      offset,
      size,
      link: view.getUint32(h + 40, true),
      info: view.getUint32(h + 44, true),
      addralign: u64(view, h + 48),
      entsize: u64(view, h + 56),
    };
  }

  let shstr: Uint8Array | undefined;
  if (shstrndx !== Shn.UNDEF) {
    if (shstrndx >= shnum) return err(62, `section name table index ${shstrndx} is out of range (${shnum} sections)`);
    const s = raw[shstrndx]!;
    if (s.type !== ShType.STRTAB) return err(shoff + shstrndx * SHDR_SIZE + 4, `section name table (section ${shstrndx}) is not SHT_STRTAB`);
    shstr = bytes.subarray(s.offset, s.offset + s.size);
  }

  const sections: ElfSection[] = new Array(shnum);
  for (let i = 0; i < shnum; i++) {
    const r = raw[i]!;
    let name = '';
    if (shstr) {
      if (r.name >= shstr.length && !(r.name === 0 && shstr.length === 0)) {
        return err(shoff + i * SHDR_SIZE, `section ${i}: name offset ${r.name} is past the end of the section name table (${shstr.length} bytes)`);
      }
      name = cString(shstr, r.name);
    }
    const data = r.type === ShType.NOBITS || r.type === ShType.NULL ? bytes.subarray(0, 0) : bytes.subarray(r.offset, r.offset + r.size);
    sections[i] = { index: i, name, type: r.type, flags: r.flags, offset: r.offset, size: r.size, link: r.link, info: r.info, entsize: r.entsize, addralign: r.addralign, data };
  }

  // Symbols: the (single) SHT_SYMTAB of a relocatable object.
  const symbols: ElfSymbol[] = [];
  let symtabIndex = -1;
  for (const s of sections) {
    if (s.type !== ShType.SYMTAB) continue;
    symtabIndex = s.index;
    const hdr = shoff + s.index * SHDR_SIZE;
    if (s.entsize !== SYM_SIZE) return err(hdr + 56, `symbol table entry size is ${s.entsize}, expected ${SYM_SIZE}`);
    if (s.size % SYM_SIZE !== 0) return err(hdr + 32, `symbol table size ${s.size} is not a multiple of ${SYM_SIZE}`);
    if (s.link >= shnum || sections[s.link]!.type !== ShType.STRTAB) return err(hdr + 40, `symbol table's string table link ${s.link} is not a string table`);
    const strtab = sections[s.link]!.data;
    const n = s.size / SYM_SIZE;
    symbols.length = n;
    for (let i = 0; i < n; i++) {
      const o = s.offset + i * SYM_SIZE;
      const nameOff = view.getUint32(o, true);
      if (nameOff !== 0 && nameOff >= strtab.length) {
        return err(o, `symbol ${i}: name offset ${nameOff} is past the end of the string table (${strtab.length} bytes)`);
      }
      const info = view.getUint8(o + 4);
      const other = view.getUint8(o + 5);
      const shndx = view.getUint16(o + 6, true);
      if (shndx !== Shn.UNDEF && shndx < Shn.LORESERVE && shndx >= shnum) {
        return err(o + 6, `symbol ${i}: section index ${shndx} is out of range (${shnum} sections)`);
      }
      symbols[i] = {
        index: i,
        name: nameOff === 0 ? '' : cString(strtab, nameOff),
        value: u64(view, o + 8),
        size: u64(view, o + 16),
        type: info & 0xf,
        bind: info >> 4,
        visibility: other & 0x3,
        shndx,
      };
    }
    break;
  }

  const relocations = new Map<number, ElfReloc[]>();
  for (const s of sections) {
    if (s.type !== ShType.REL && s.type !== ShType.RELA) continue;
    const hdr = shoff + s.index * SHDR_SIZE;
    const entSize = s.type === ShType.REL ? REL_SIZE : RELA_SIZE;
    if (s.size % entSize !== 0) return err(hdr + 32, `relocation section ${s.name}: size ${s.size} is not a multiple of ${entSize}`);
    if (s.info === 0 || s.info >= shnum) return err(hdr + 44, `relocation section ${s.name}: target section ${s.info} is out of range (${shnum} sections)`);
    if (s.link !== symtabIndex) return err(hdr + 40, `relocation section ${s.name}: symbol table link ${s.link} is not the symbol table`);
    const n = s.size / entSize;
    let list = relocations.get(s.info);
    if (!list) {
      list = [];
      relocations.set(s.info, list);
    }
    for (let i = 0; i < n; i++) {
      const o = s.offset + i * entSize;
      const offset = u64(view, o);
      const type = view.getUint32(o + 8, true);
      const symbol = view.getUint32(o + 12, true);
      if (symbol >= symbols.length) {
        return err(o + 12, `relocation ${i} in ${s.name}: symbol index ${symbol} is out of range (${symbols.length} symbols)`);
      }
      if (s.type === ShType.RELA) {
        const lo = view.getUint32(o + 16, true);
        const hi = view.getInt32(o + 20, true);
        list.push({ offset, symbol, type, addend: hi * 0x1_0000_0000 + lo, fileOffset: o });
      } else {
        list.push({ offset, symbol, type, fileOffset: o });
      }
    }
  }

  return Result.ok(makeFile(machine, sections, symbols, relocations));
}

function makeFile(machine: number, sections: ElfSection[], symbols: ElfSymbol[], relocations: Map<number, ElfReloc[]>): ElfFile {
  let byName: Map<string, ElfSection> | undefined;
  return {
    machine,
    sections,
    symbols,
    relocations,
    sectionByName(name: string): ElfSection | undefined {
      if (!byName) {
        byName = new Map();
        // First section wins, as a linear search would find it.
        for (const s of sections) if (!byName.has(s.name)) byName.set(s.name, s);
      }
      return byName.get(name);
    },
  };
}
