// Turns a clang-built BPF object into programs, maps and source positions (program.ts).
//
//   parseElf -> parseBtf/.BTF.ext -> collectMaps -> collectCode (decode + relocate per section)
//            -> one linkProgram per global function of each executable section except .text
//
// Every stage returns a typed error naming itself and an offset; nothing here throws on bad
// input. Anything that depends on the running kernel (kfunc and ksym BTF ids, kconfig values,
// CO-RE field offsets) is left as the object states it and applied later, as cilium/ebpf does.

import type { Btf, BtfExt } from '../btf';
import { parseBtf, parseBtfExt } from '../btf';
import type { ElfFile } from '../elf/elf';
import { parseElf } from '../elf/elf';
import { cString } from '../elf/strings';
import type { LoadedObject, Program } from '../program';
import { Result } from '../result';
import { collectCode } from './code';
import { linkProgram } from './link';
import { withGlobalInfo } from './funcArgs';
import { collectMaps } from './maps';
import { PROG_TYPE, sectionKind } from './sections';

export { sectionKind, PROG_TYPE } from './sections';
export { BPF_F_MMAPABLE, BPF_F_RDONLY_PROG } from './maps';

export interface LoadOptions {
  /**
   * Program type for programs in sections libbpf does not recognise (legacy names such as
   * "xdp_prog" or "prog"); recognised sections keep their own type.
   */
  readonly progTypeOverride?: number;
}

/** The parsed pieces, for callers that want BTF or ELF details beyond LoadedObject. */
export interface LoadedObjectDetail {
  readonly object: LoadedObject;
  readonly elf: ElfFile;
  readonly btf?: Btf;
  readonly btfExt?: BtfExt;
}

export function loadObject(bytes: Uint8Array, opts: LoadOptions = {}): Result<LoadedObject> {
  const r = loadObjectDetail(bytes, opts);
  return r.ok ? Result.ok(r.value.object) : r;
}

export function loadObjectDetail(bytes: Uint8Array, opts: LoadOptions = {}): Result<LoadedObjectDetail> {
  const elfR = parseElf(bytes);
  if (!elfR.ok) return elfR;
  const elf = elfR.value;
  const warnings: string[] = [];

  let btf: Btf | undefined;
  let ext: BtfExt | undefined;
  const btfSec = elf.sectionByName('.BTF');
  if (btfSec) {
    const b = parseBtf(btfSec.data);
    if (!b.ok) return b;
    btf = b.value;
    const extSec = elf.sectionByName('.BTF.ext');
    if (extSec) {
      const e = parseBtfExt(extSec.data, btf);
      if (!e.ok) return e;
      ext = e.value;
    }
  }

  const mapsR = collectMaps(elf, btf, warnings);
  if (!mapsR.ok) return mapsR;
  const maps = mapsR.value;

  const codeR = collectCode({ elf, ...(btf ? { btf } : {}), ...(ext ? { ext } : {}), maps });
  if (!codeR.ok) return codeR;
  const code = codeR.value;

  const programs: Program[] = [];
  for (const c of code.values()) {
    const sec = c.section;
    if (sec.name === '.text') continue;
    if (c.funcs.length === 0) {
      warnings.push(Result.format({ stage: 'programs', where: `section ${sec.name}`, offset: 0, message: `section '${sec.name}' holds code but no function symbol; skipped` }));
      continue;
    }
    let kind = sectionKind(sec.name);
    if (!kind) {
      if (opts.progTypeOverride !== undefined) {
        kind = { progType: opts.progTypeOverride, frags: false, attach: 'none' };
      } else {
        warnings.push(Result.format({ stage: 'programs', where: 'file', offset: sec.offset, message: `section '${sec.name}' is not a libbpf program section (e.g. SEC("xdp")); program type unknown, pass a program type override` }));
        kind = { progType: PROG_TYPE.UNSPEC, frags: false, attach: 'none' };
      }
    }
    for (const f of c.funcs) {
      if (!f.global) {
        // libbpf: "program '...' is static and not supported"; still callable from its section.
        warnings.push(Result.format({ stage: 'programs', where: `section ${sec.name}`, offset: f.start * 8, message: `static function '${f.name}' in section '${sec.name}' is not a program (libbpf refuses static programs)` }));
        continue;
      }
      const l = linkProgram(f, code);
      if (!l.ok) return l;
      programs.push({
        name: f.name,
        section: sec.name,
        progType: kind.progType,
        frags: kind.frags,
        attach: kind.attach,
        insns: l.value.insns,
        lines: l.value.lines,
        // the entry is the program itself; callees get linkage and BTF-derived arguments
        funcs: l.value.funcs.map((fi, i) => (i === 0 ? fi : withGlobalInfo(fi, fi.global ?? false, btf, kind.progType))),
        kfuncs: l.value.kfuncs,
        sectionOffset: f.start * 8,
      });
    }
  }

  const licSec = elf.sectionByName('license');
  const license = licSec && licSec.data.length > 0 ? cString(licSec.data, 0) : undefined;
  const object: LoadedObject = { programs, maps: maps.maps, ...(license !== undefined ? { license } : {}), warnings, ...(btf ? { btf } : {}) };
  return Result.ok({ object, elf, ...(btf ? { btf } : {}), ...(ext ? { btfExt: ext } : {}) });
}
