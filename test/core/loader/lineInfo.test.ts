// line_info agreement: the per-slot source lines the loader derives from .BTF.ext must agree
// with `llvm-objdump -d -l`, which reads DWARF's line table for the same instructions.
//
// Known, asserted difference: at a function's first instruction clang's BTF line_info names
// the function's declaration line while DWARF (and objdump) already shows the first body line
// (the prologue_end row). The test requires that every such entry record is the declaration
// (its recorded source text contains "name("), and exact agreement everywhere else.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SymType } from '../../../server/src/core/elf/elf';
import { loadObjectDetail } from '../../../server/src/core/loader';
import { buildKernelCorpus, corpusUnavailable } from '../../support/corpus';
import { ensureKernelSource, kernelSourceMissingReason } from '../../support/kernelSource';
import { BUILD, FIXTURES, FIXTURE_COMPILERS, fixtureObject, hasTool, multiarchInclude } from './fixtures';

const OBJDUMP = ['llvm-objdump-14', 'llvm-objdump-19', 'llvm-objdump'].find(hasTool);
const noObjdump = OBJDUMP === undefined;

/** Section -> slot -> line, from `llvm-objdump -d -l` ("; path:LINE" precedes the instructions it covers). */
function objdumpLines(path: string): Map<string, Map<number, number>> {
  const out = execFileSync(OBJDUMP!, ['-d', '-l', '--no-show-raw-insn', path], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const secs = new Map<string, Map<number, number>>();
  let cur: Map<number, number> | undefined;
  let line = -1;
  for (const l of out.split('\n')) {
    let m = /^Disassembly of section (.*):$/.exec(l);
    if (m) {
      cur = new Map();
      secs.set(m[1]!, cur);
      line = -1;
      continue;
    }
    m = /^; .*:(\d+)$/.exec(l);
    if (m) {
      line = Number(m[1]);
      continue;
    }
    m = /^\s+(\d+):\t/.exec(l);
    if (m && cur) cur.set(Number(m[1]), line);
  }
  return secs;
}

interface Agreement {
  readonly agree: number;
  readonly entryDecl: number;
  readonly mismatches: string[];
}

export function compareLineInfo(path: string): Agreement {
  const d = loadObjectDetail(new Uint8Array(readFileSync(path)));
  if (!d.ok) return { agree: 0, entryDecl: 0, mismatches: [`load failed: ${d.error.stage}: ${d.error.message}`] };
  const { object, elf } = d.value;
  const theirs = objdumpLines(path);
  let agree = 0;
  let entryDecl = 0;
  const mismatches: string[] = [];
  for (const p of object.programs) {
    p.funcs.forEach((f, k) => {
      const end = p.funcs[k + 1]?.start ?? p.insns.length;
      // Where this copy came from: the entry from the program's section, callees by symbol.
      let section = p.section;
      let start = p.sectionOffset / 8;
      if (k > 0) {
        const sym = elf.symbols.find((s) => s.name === f.name && s.type === SymType.FUNC);
        if (!sym) return void mismatches.push(`${p.name}: no symbol for ${f.name}`);
        section = elf.sections[sym.shndx]!.name;
        start = sym.value / 8;
      }
      for (let slot = f.start; slot < end; slot++) {
        const loc = p.lines[slot];
        if (!loc || loc.line === 0 || p.insns[slot]!.tail) continue;
        const want = theirs.get(section)?.get(start + slot - f.start);
        if (want === loc.line) agree++;
        else if (slot === f.start && loc.text.includes(`${f.name}(`)) entryDecl++;
        else mismatches.push(`${basename(path)} ${p.name}/${f.name} slot ${slot}: ours ${loc.line} (${loc.text.trim()}), objdump ${want}`);
      }
    });
  }
  return { agree, entryDecl, mismatches };
}

describe('line_info agrees with llvm-objdump -d -l', () => {
  it.skipIf(noObjdump)('on every loader fixture (needs llvm-objdump)', () => {
    let total = 0;
    for (const name of Object.keys(FIXTURE_COMPILERS)) {
      fixtureObject(name);
      const path = hasTool(FIXTURE_COMPILERS[name]!) ? join(BUILD, `${name}.o`) : join(FIXTURES, `${name}.o`);
      const a = compareLineInfo(path);
      expect(a.mismatches).toEqual([]);
      total += a.agree;
    }
    expect(total).toBeGreaterThan(100);
  });

  const root = ensureKernelSource();
  it.skipIf(noObjdump || !root || !hasTool('clang'))(`on the kernel's samples/bpf/xdp* that compile here (needs llvm-objdump, clang, ${kernelSourceMissingReason})`, () => {
    const samples = join(root!, 'samples', 'bpf');
    const out = join(BUILD, 'samples');
    const shim = join(out, 'include');
    mkdirSync(shim, { recursive: true });
    // `#include <uapi/linux/bpf.h>` without putting tools/include (and its asm-generic) first.
    if (!existsSync(join(shim, 'uapi'))) symlinkSync(join(root!, 'tools', 'include', 'uapi'), join(shim, 'uapi'));
    // vmlinux.h as test/support/corpus.ts generates it (present once the corpus was built).
    const vmlinux = join(root!, '..', 'corpus');
    if (corpusUnavailable() === undefined) buildKernelCorpus(() => false); // writes vmlinux.h only
    const sources = readdirSync(samples).filter((f) => /^xdp.*(_kern\.c|\.bpf\.c)$/.test(f));
    const built: string[] = [];
    const failed: string[] = [];
    for (const f of sources) {
      const obj = join(out, f.replace(/\.c$/, '.o'));
      const r = spawnSync('clang', [
        '-target', 'bpf', '-g', '-O2', '-c', '-w', '-D__TARGET_ARCH_x86',
        // The *_kern.c samples need kernel-internal typedefs; the *.bpf.c ones use vmlinux.h.
        ...(f.endsWith('_kern.c') ? ['-include', join(FIXTURES, 'kernel-samples', 'ktypes.h')] : []),
        '-I', shim, '-I', join(root!, 'tools', 'testing', 'selftests', 'bpf'), '-I', samples, '-I', vmlinux,
        '-I', multiarchInclude(), join(samples, f), '-o', obj,
      ], { stdio: 'pipe', timeout: 120_000 });
      if (r.status === 0) built.push(obj);
      else failed.push(f);
    }
    console.log(`loader line_info: kernel samples compiled ${built.length}/${sources.length}${failed.length ? `; failed: ${failed.join(', ')}` : ''}`);
    expect(built.length).toBeGreaterThanOrEqual(4);
    let agree = 0;
    for (const obj of built) {
      const a = compareLineInfo(obj);
      expect(a.mismatches).toEqual([]);
      agree += a.agree;
    }
    expect(agree).toBeGreaterThan(100);
  });

  const corpusReason = corpusUnavailable();
  it.skipIf(noObjdump || corpusReason !== undefined)(`on the XDP and verifier selftests corpus (${corpusReason ?? 'needs llvm-objdump'})`, () => {
    const corpus = buildKernelCorpus();
    let agree = 0;
    let entryDecl = 0;
    for (const obj of corpus.objects) {
      const a = compareLineInfo(obj);
      expect(a.mismatches, obj).toEqual([]);
      agree += a.agree;
      entryDecl += a.entryDecl;
    }
    console.log(`loader line_info: ${corpus.objects.length} corpus objects (${corpus.failed.length} did not compile): ${agree} records agree, ${entryDecl} function-entry records name the declaration line`);
    expect(corpus.objects.length).toBeGreaterThan(10);
  });
});
