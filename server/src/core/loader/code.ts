// Executable sections, prepared once per object: decoded instructions with the
// position-independent relocations applied (map and global-data references, kconfig and ksym
// externs, kfunc calls), the functions each section holds, every bpf-to-bpf call site with its
// target, and per-slot source lines from .BTF.ext. Linking (link.ts) then copies functions into
// programs and only has to fix call offsets.
//
// Relocation semantics follow libbpf (tools/lib/bpf/libbpf.c, Linux 6.12,
// bpf_program__record_reloc / bpf_object__relocate_data / bpf_object__reloc_code), with the
// map references expressed as its gen_loader does it: LD_IMM64 src = BPF_PSEUDO_MAP_IDX and
// imm = map index; global data src = BPF_PSEUDO_MAP_IDX_VALUE, imm = map index and the tail
// slot's imm = the instruction's own imm + the symbol's value (the offset inside the value).

import type { Btf, BtfExt } from '../btf';
import type { ElfFile, ElfSection, ElfSymbol } from '../elf/elf';
import { ShFlag, ShType, Shn, SymBind, SymType } from '../elf/elf';
import type { Insn } from '../isa/insn';
import { decodeRaw, isLdImm64 } from '../isa/insn';
import { CallSrc, Cls, JmpOp, LdImm64Src } from '../isa/opcodes';
import type { SourceLoc } from '../program';
import { Result } from '../result';
import type { MapTable } from './maps';

export interface Func {
  readonly section: number;
  /** First slot inside the section. */
  readonly start: number;
  /** One past the last slot. */
  readonly end: number;
  readonly name: string;
  readonly global: boolean;
  readonly btfTypeId?: number;
}

export interface CallTarget {
  readonly section: number;
  readonly slot: number;
}

export interface SectionCode {
  readonly section: ElfSection;
  readonly insns: Insn[];
  /** Functions sorted by start slot. */
  readonly funcs: Func[];
  /** Slots (sorted) of calls and subprogram-address loads that link.ts must fix up. */
  readonly callSites: number[];
  readonly callTargets: Map<number, CallTarget>;
  /** kfunc name by slot. */
  readonly kfuncs: Map<number, string>;
  /** Source location by slot (sparse: only slots with a line_info record). */
  readonly lines: (SourceLoc | undefined)[];
}

const CALL = Cls.JMP | JmpOp.CALL;

function withImm(insn: Insn, src: number, imm: number, tailImm: number | undefined): Insn {
  if (isLdImm64(insn.code)) {
    const hi = tailImm ?? 0;
    return { code: insn.code, dst: insn.dst, src, off: insn.off, imm, imm64: (BigInt(hi >>> 0) << 32n) | BigInt(imm >>> 0) };
  }
  return { code: insn.code, dst: insn.dst, src, off: insn.off, imm };
}

/** Rewrites the imm of a call or subprogram-address load at `slot` (used by link.ts). */
export function setRelativeImm(insns: Insn[], slot: number, imm: number): void {
  const i = insns[slot]!;
  if (isLdImm64(i.code)) {
    insns[slot] = withImm(i, i.src, imm, insns[slot + 1]!.imm);
  } else {
    insns[slot] = { code: i.code, dst: i.dst, src: i.src, off: i.off, imm };
  }
}

export interface CodeContext {
  readonly elf: ElfFile;
  readonly btf?: Btf;
  readonly ext?: BtfExt;
  readonly maps: MapTable;
}

/** Prepares every executable section (including .text). */
export function collectCode(ctx: CodeContext): Result<Map<number, SectionCode>> {
  const { elf } = ctx;
  const out = new Map<number, SectionCode>();
  // Function symbols by section.
  const funcSyms = new Map<number, ElfSymbol[]>();
  for (const s of elf.symbols) {
    if (s.type !== SymType.FUNC || s.shndx === Shn.UNDEF || s.shndx >= Shn.LORESERVE) continue;
    const list = funcSyms.get(s.shndx);
    if (list) list.push(s);
    else funcSyms.set(s.shndx, [s]);
  }
  for (const sec of elf.sections) {
    if (sec.type !== ShType.PROGBITS || !(sec.flags & ShFlag.EXECINSTR) || sec.size === 0) continue;
    const where = `section ${sec.name}`;
    const dec = decodeRaw(sec.data);
    if (!dec.ok) return Result.err('isa', where, dec.error.offset, dec.error.message);
    const insns = dec.insns;
    const nslots = insns.length;

    // Functions: FUNC symbols; a zero size extends to the next function or the section end.
    const syms = (funcSyms.get(sec.index) ?? []).slice().sort((a, b) => a.value - b.value || a.index - b.index);
    const funcInfo = new Map<number, number>();
    for (const fi of ctx.ext?.funcInfo.get(sec.name) ?? []) funcInfo.set(fi.insnOff, fi.typeId);
    const funcs: Func[] = [];
    for (let i = 0; i < syms.length; i++) {
      const s = syms[i]!;
      if (s.value % 8 !== 0) return Result.err('programs', where, s.value, `function '${s.name}' starts at byte ${s.value}, not on an instruction boundary`);
      const size = s.size > 0 ? s.size : (syms[i + 1]?.value ?? sec.size) - s.value;
      if (s.value + size > sec.size || size % 8 !== 0 || size <= 0) {
        return Result.err('programs', where, s.value, `function '${s.name}' [${s.value}, +${size}) does not fit the ${sec.size}-byte section in whole instructions`);
      }
      const start = s.value / 8;
      if (insns[start]!.tail) return Result.err('programs', where, s.value, `function '${s.name}' starts in the middle of an lddw instruction`);
      const end = start + size / 8;
      if (end < nslots && insns[end]!.tail) return Result.err('programs', where, s.value + size, `function '${s.name}' ends in the middle of an lddw instruction`);
      if (funcs.length > 0 && funcs[funcs.length - 1]!.start === start) continue; // alias symbol
      const typeId = funcInfo.get(s.value);
      funcs.push({ section: sec.index, start, end, name: s.name, global: s.bind !== SymBind.LOCAL, ...(typeId !== undefined ? { btfTypeId: typeId } : {}) });
    }

    const callTargets = new Map<number, CallTarget>();
    const kfuncs = new Map<number, string>();
    const relocated = new Set<number>();
    for (const r of elf.relocations.get(sec.index) ?? []) {
      const e = applyReloc(ctx, sec, insns, r.offset, r.symbol, callTargets, kfuncs);
      if (e) return e;
      relocated.add(r.offset / 8);
    }
    // Calls without a relocation: a static function in the same section (imm relative to the call).
    for (let slot = 0; slot < nslots; slot++) {
      const insn = insns[slot]!;
      if (insn.code !== CALL || insn.src !== CallSrc.PSEUDO_CALL || relocated.has(slot) || insn.tail) continue;
      const target = slot + insn.imm + 1;
      if (target < 0 || target >= nslots) return Result.err('relo', where, slot * 8, `call at instruction ${slot} targets instruction ${target}, outside the section (${nslots} instructions)`);
      callTargets.set(slot, { section: sec.index, slot: target });
    }
    const callSites = [...callTargets.keys()].sort((a, b) => a - b);

    const lines: (SourceLoc | undefined)[] = new Array(nslots);
    for (const li of ctx.ext?.lineInfo.get(sec.name) ?? []) {
      // Line 0 marks compiler-generated code with no source position; leaving the slot empty
      // lets consumers carry the previous real line forward (as llvm-objdump -l does).
      if (li.line === 0) continue;
      const slot = li.insnOff / 8;
      if (slot < nslots) lines[slot] = { file: li.file, line: li.line, column: li.column, text: li.text };
    }
    out.set(sec.index, { section: sec, insns, funcs, callSites, callTargets, kfuncs, lines });
  }
  return Result.ok(out);
}

function applyReloc(
  ctx: CodeContext,
  sec: ElfSection,
  insns: Insn[],
  offset: number,
  symIndex: number,
  callTargets: Map<number, CallTarget>,
  kfuncs: Map<number, string>,
): Result<never> | undefined {
  const { elf, maps } = ctx;
  const where = `section ${sec.name}`;
  const err = (message: string, stage: 'relo' | 'programs' = 'relo'): Result<never> => Result.err(stage, where, offset, message);
  if (offset % 8 !== 0 || offset >= sec.size) return err(`relocation at byte ${offset} is not on an instruction of the ${sec.size}-byte section`);
  const slot = offset / 8;
  const insn = insns[slot]!;
  const sym = elf.symbols[symIndex]!;
  const symName = sym.name || (sym.type === SymType.SECTION ? elf.sections[sym.shndx]?.name ?? '' : '') || `#${symIndex}`;
  const isCall = insn.code === CALL && !insn.tail;
  const isLd = isLdImm64(insn.code) && !insn.tail;
  if (!isCall && !isLd) return err(`relocation against '${symName}' at instruction ${slot}: opcode 0x${insn.code.toString(16)} is neither a call nor an lddw`);

  // Externs: kfuncs, kconfig values, kernel symbols.
  if (sym.shndx === Shn.UNDEF) {
    if (!sym.name) return err(`relocation against an undefined symbol without a name (#${symIndex})`);
    if (sym.bind !== SymBind.GLOBAL && sym.bind !== SymBind.WEAK) return err(`relocation against unknown symbol '${sym.name}'`);
    if (isCall) {
      // Kernel function: BPF_PSEUDO_KFUNC_CALL; the kernel BTF id is unknown here (imm = 0).
      insns[slot] = withImm(insn, CallSrc.KFUNC_CALL, 0, undefined);
      kfuncs.set(slot, sym.name);
      return undefined;
    }
    const kc = maps.kconfig.get(sym.name);
    if (kc && maps.kconfigMap !== undefined) {
      insns[slot] = withImm(insn, LdImm64Src.MAP_IDX_VALUE, maps.kconfigMap, kc.offset);
      insns[slot + 1] = { ...insns[slot + 1]!, imm: kc.offset };
      return undefined;
    }
    const bt = ctx.btf?.byName(sym.name, 'var') ?? ctx.btf?.byName(sym.name, 'func');
    if (!bt || (bt.kind !== 'var' && bt.kind !== 'func')) return err(`relocation against unknown symbol '${sym.name}': no BTF for this extern`);
    // Typed ksym (a variable with a type, or a kfunc's address): BPF_PSEUDO_BTF_ID with the
    // kernel BTF id resolved at load time. Typeless ksym (`extern const void x __ksym`): a plain
    // 64-bit address. Both are unknown here, so imm stays 0 (libbpf 6.12, bpf_object__relocate_data).
    const typeless = bt.kind === 'var' && ctx.btf!.resolveId(bt.type) === 0;
    insns[slot] = withImm(insn, typeless ? LdImm64Src.IMM : LdImm64Src.BTF_ID, 0, 0);
    insns[slot + 1] = { ...insns[slot + 1]!, imm: 0 };
    // No warning: this is how every ksym looks before load (analyze.ts shows warnings to users).
    return undefined;
  }
  if (sym.shndx >= Shn.LORESERVE) return err(`relocation against '${symName}' in special section 0x${sym.shndx.toString(16)}; forgot to initialize a global variable?`);
  const target = elf.sections[sym.shndx]!;

  if (isCall) {
    if (insn.src !== CallSrc.PSEUDO_CALL) return err(`relocation against '${symName}' on a call that is not a bpf-to-bpf call (src ${insn.src})`);
    if (!(target.flags & ShFlag.EXECINSTR)) return err(`call relocation against '${symName}' in non-code section '${target.name}'`);
    if (sym.value % 8 !== 0) return err(`call relocation against '${symName}' at byte ${sym.value}, not an instruction boundary`);
    callTargets.set(slot, { section: target.index, slot: sym.value / 8 + insn.imm + 1 });
    return undefined;
  }

  // lddw of a subprogram's address (callbacks): BPF_PSEUDO_FUNC.
  if (target.flags & ShFlag.EXECINSTR) {
    if (sym.value % 8 !== 0 || insn.imm % 8 !== 0) return err(`subprogram address relocation against '${symName}' at ${sym.value}+${insn.imm} is not instruction-aligned`);
    insns[slot] = withImm(insn, LdImm64Src.FUNC, insn.imm, insns[slot + 1]!.imm);
    callTargets.set(slot, { section: target.index, slot: (sym.value + insn.imm) / 8 });
    return undefined;
  }

  if (maps.defSections.has(target.index)) {
    const idx = maps.defAt(target.index, sym.value);
    if (idx === undefined) return err(`map relocation against '${symName}': no map defined at offset ${sym.value} of section '${target.name}'`);
    insns[slot] = withImm(insn, LdImm64Src.MAP_IDX, idx, 0);
    insns[slot + 1] = { ...insns[slot + 1]!, imm: 0 };
    return undefined;
  }

  // Arena globals (libbpf: RELO_DATA against the arena map, offset = imm + symbol value).
  if (target.index === maps.arenaSection) {
    if (maps.arenaMap === undefined) return err(`arena data relocation against '${symName}', but the object defines no arena map`);
    const off = (insn.imm + sym.value) | 0;
    insns[slot] = withImm(insn, LdImm64Src.MAP_IDX_VALUE, maps.arenaMap, off);
    insns[slot + 1] = { ...insns[slot + 1]!, imm: off };
    return undefined;
  }
  const dm = maps.dataMap(target.index);
  if (dm === undefined) return err(`bad data relocation against '${symName}' in section '${target.name}'`);
  const off = (insn.imm + sym.value) | 0;
  insns[slot] = withImm(insn, LdImm64Src.MAP_IDX_VALUE, dm, off);
  insns[slot + 1] = { ...insns[slot + 1]!, imm: off };
  return undefined;
}

/** The function of `code` containing `slot`, by binary search. */
export function funcAt(code: SectionCode, slot: number): Func | undefined {
  const fs = code.funcs;
  let lo = 0;
  let hi = fs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const f = fs[mid]!;
    if (slot < f.start) hi = mid - 1;
    else if (slot >= f.end) lo = mid + 1;
    else return f;
  }
  return undefined;
}
