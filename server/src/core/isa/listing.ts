// Whole-object listings for `xdp-check disasm`.
// - objdumpListing(): what `llvm-objdump -d --no-show-raw-insn` (LLVM 14) prints for a BPF object:
//   every non-empty executable section, a `<symbol>:` block per FUNC/NOTYPE symbol, instruction
//   lines numbered by slot within the section, jump targets annotated with the nearest symbol.
// - programListing(): the readable form per loaded program, with C source lines interleaved
//   from .BTF.ext line_info, helper names, and map names.

import type { ElfFile, ElfSection, ElfSymbol } from '../elf/elf';
import type { LoadedObject, Program } from '../program';
import { decodeRaw } from './insn';
import { formatInsn, objdumpLine } from './disasm';

const SHF_EXECINSTR = 0x4;
const STT_NOTYPE = 0;
const STT_FUNC = 2;

/**
 * Symbols llvm-objdump uses as labels in a section, ordered as LLVM 14 orders them: by address,
 * then name (byte order), then type. Where several share an address it shows the last of them,
 * for block headers and jump annotations alike (checked on the kernel selftests, where
 * `l0_12` wins over `back_jump_to_1st_insn_1` at one address).
 */
function labelSymbols(elf: ElfFile, section: ElfSection): ElfSymbol[] {
  return elf.symbols
    .filter((s) => s.shndx === section.index && (s.type === STT_FUNC || s.type === STT_NOTYPE) && s.name !== '')
    .sort((a, b) => a.value - b.value || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || a.type - b.type);
}

function symbolizer(labels: readonly ElfSymbol[]): (byteOffset: number) => { name: string; offset: number } | undefined {
  return (byteOffset) => {
    let best: ElfSymbol | undefined;
    for (const s of labels) {
      if (s.value > byteOffset) break;
      best = s;
    }
    return best ? { name: best.name, offset: byteOffset - best.value } : undefined;
  };
}

export interface ListingError {
  readonly section: string;
  readonly message: string;
}

/** The full objdump text for an object, and per-section decode problems (listed, not thrown). */
export function objdumpListing(elf: ElfFile, fileName: string): { text: string; errors: ListingError[] } {
  let text = `\n${fileName}:\tfile format elf64-bpf\n`;
  const errors: ListingError[] = [];
  for (const section of elf.sections) {
    if ((section.flags & SHF_EXECINSTR) === 0 || section.data.length === 0) continue;
    text += `\nDisassembly of section ${section.name}:\n`;
    const decoded = decodeRaw(section.data);
    if (!decoded.ok) {
      errors.push({ section: section.name, message: decoded.error.message });
      continue;
    }
    const labels = labelSymbols(elf, section);
    const symbolize = symbolizer(labels);
    const starts = new Map<number, ElfSymbol>();
    for (const s of labels) starts.set(s.value, s); // the latest at an address wins
    const insns = decoded.insns;
    for (let slot = 0; slot < insns.length; slot++) {
      if (insns[slot]!.tail) continue;
      const label = starts.get(slot * 8);
      if (label) text += `\n${(slot * 8).toString(16).padStart(16, '0')} <${label.name}>:\n`;
      text += objdumpLine(slot, formatInsn(insns, slot, { dialect: 'llvm14', symbolize })) + '\n';
    }
  }
  return { text, errors };
}

export interface ProgramListingOptions {
  /** Interleave the C source line before the first instruction of each new line (default true). */
  readonly source?: boolean;
}

/** A program as users read it: function headers, C source lines, instructions with helper and map names. */
export function programListing(obj: LoadedObject, prog: Program, opts: ProgramListingOptions = {}): string {
  const withSource = opts.source ?? true;
  const funcStarts = new Map(prog.funcs.map((f) => [f.start, f.name]));
  const mapName = (i: number): string | undefined => obj.maps[i]?.name;
  const width = String(Math.max(0, prog.insns.length - 1)).length;
  const out: string[] = [`${prog.name} (section ${prog.section}, ${countInsns(prog)} instructions):`];
  let lastLine = '';
  for (let slot = 0; slot < prog.insns.length; slot++) {
    if (prog.insns[slot]!.tail) continue;
    const fn = funcStarts.get(slot);
    if (fn !== undefined) out.push('', `${fn}:`);
    const loc = prog.lines[slot];
    if (withSource && loc) {
      const key = `${loc.file}:${loc.line}`;
      if (key !== lastLine) {
        lastLine = key;
        out.push(`; ${loc.text.trim() || '(no source text)'}  @ ${baseName(loc.file)}:${loc.line}`);
      }
    }
    const text = formatInsn(prog.insns, slot, { dialect: 'modern', helperComments: true, mapName });
    out.push(`${String(slot).padStart(width + 2, ' ')}: ${text}`);
  }
  return out.join('\n') + '\n';
}

function countInsns(prog: Program): number {
  let n = 0;
  for (const i of prog.insns) if (!i.tail) n++;
  return n;
}

function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}
