// Deterministic fuzzing of the ELF/BTF/loader stack: mutations and truncations of the committed
// golden objects and of their .BTF/.BTF.ext blobs. Every case must either load or return a typed
// error naming a stage and a byte offset; an exception, or a case slower than the bound, fails.
// Cases are seeded, so a failure message names the seed and the case to replay.
import { readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBtf, parseBtfExt } from '../../../server/src/core/btf';
import { parseElf } from '../../../server/src/core/elf/elf';
import { loadObject } from '../../../server/src/core/loader';
import type { Result, StageError } from '../../../server/src/core/result';
import { buildKernelCorpus, corpusUnavailable } from '../../support/corpus';
import { FIXTURES, FIXTURE_COMPILERS } from './fixtures';

const STAGES = new Set(['elf', 'btf', 'btf.ext', 'isa', 'relo', 'maps', 'programs']);
/**
 * Per-case bound. A case averages about 1 ms; single cases reach ~100 ms only from GC pauses and
 * CPU sharing on a loaded machine, so the bound is far above that and still catches a hang or a
 * quadratic blow-up (a true infinite loop also trips vitest's test timeout).
 */
const CASE_MS = 2000;

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [0, 1, 7, 8, 12, 16, 24, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

interface Region {
  readonly start: number;
  readonly end: number;
}

/** One mutation of `src` (a copy), biased towards the structures the parsers read. */
function mutate(src: Uint8Array, regions: readonly Region[], rnd: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(rnd() * n);
  const strategy = pick(6);
  if (strategy === 0) return src.slice(0, pick(src.length)); // truncation
  const b = src.slice();
  const v = new DataView(b.buffer);
  const region = regions.length > 0 && rnd() < 0.7 ? regions[pick(regions.length)]! : { start: 0, end: b.length };
  const span = Math.max(1, region.end - region.start);
  const at = (align: number) => Math.min(b.length - align, region.start + Math.floor(pick(span) / align) * align);
  const flips = 1 + pick(4);
  for (let i = 0; i < flips; i++) {
    switch (strategy) {
      case 1: {
        const o = at(1);
        if (o >= 0) b[o] = b[o]! ^ (1 << pick(8));
        break;
      }
      case 2: {
        const o = at(1);
        if (o >= 0) b[o] = pick(256);
        break;
      }
      case 3: {
        const o = at(4);
        if (o >= 0) v.setUint32(o, INTERESTING[pick(INTERESTING.length)]!, true);
        break;
      }
      case 4: {
        const o = at(4);
        if (o >= 0) v.setUint32(o, (v.getUint32(o, true) + (pick(2) ? 1 : -1) * (1 + pick(16))) >>> 0, true);
        break;
      }
      default: {
        // Copy a chunk over another place (shuffles headers and records).
        const from = pick(b.length);
        const to = at(1);
        const n = Math.min(1 + pick(32), b.length - from, b.length - Math.max(0, to));
        if (to >= 0 && n > 0) b.copyWithin(to, from, from + n);
      }
    }
  }
  return b;
}

function checkResult<T>(r: Result<T>, inputLength: number): string | undefined {
  if (r.ok) return undefined;
  const e: StageError = r.error;
  if (!STAGES.has(e.stage)) return `unknown stage ${e.stage}`;
  if (!Number.isInteger(e.offset) || e.offset < 0) return `bad offset ${e.offset}`;
  if (e.where === 'file' && e.offset > inputLength) return `file offset ${e.offset} past the input (${inputLength})`;
  if (typeof e.message !== 'string' || e.message.length === 0) return 'empty message';
  if (typeof e.where !== 'string' || e.where.length === 0) return 'empty where';
  return undefined;
}

interface Seed {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly regions: Region[];
  readonly btf: Uint8Array;
  readonly ext?: Uint8Array;
}

function seedOf(name: string, bytes: Uint8Array): Seed {
  const elf = parseElf(bytes);
  if (!elf.ok) throw new Error(`${name}: ${elf.error.message}`);
  const regions: Region[] = [{ start: 0, end: 64 }];
  const shoff = Number(new DataView(bytes.buffer).getBigUint64(40, true));
  regions.push({ start: shoff, end: bytes.length });
  for (const s of elf.value.sections) {
    if (s.data.length === 0) continue;
    if (['.symtab', '.BTF', '.BTF.ext', 'maps', '.maps', '.strtab'].includes(s.name) || s.type === 9 || s.flags & 4) {
      regions.push({ start: s.offset, end: s.offset + s.size });
    }
  }
  return { name, bytes, regions, btf: elf.value.sectionByName('.BTF')!.data.slice(), ext: elf.value.sectionByName('.BTF.ext')?.data.slice() };
}

function seeds(): Seed[] {
  return Object.keys(FIXTURE_COMPILERS).map((name) => seedOf(name, new Uint8Array(readFileSync(join(FIXTURES, `${name}.o`)))));
}

function runCases(kind: string, n: number, seed: number, one: (rnd: () => number) => { len: number; run: () => Result<unknown> }): { loaded: number; byStage: Record<string, number>; slowest: number } {
  const rnd = prng(seed);
  const byStage: Record<string, number> = {};
  let loaded = 0;
  let slowest = 0;
  for (let i = 0; i < n; i++) {
    const c = one(rnd);
    const t0 = performance.now();
    let r: Result<unknown>;
    try {
      r = c.run();
    } catch (e) {
      throw new Error(`${kind} case ${i} (seed ${seed}) threw: ${(e as Error).stack ?? e}`);
    }
    const ms = performance.now() - t0;
    slowest = Math.max(slowest, ms);
    if (ms > 15 && process.env.FUZZ_DEBUG) console.log(kind, i, ms.toFixed(1), r!.ok ? "ok" : JSON.stringify(r!.error));
    if (ms > CASE_MS) throw new Error(`${kind} case ${i} (seed ${seed}) took ${ms.toFixed(1)} ms`);
    const bad = checkResult(r, c.len);
    if (bad) throw new Error(`${kind} case ${i} (seed ${seed}): ${bad}: ${JSON.stringify(r)}`);
    if (r.ok) loaded++;
    else byStage[r.error.stage] = (byStage[r.error.stage] ?? 0) + 1;
  }
  return { loaded, byStage, slowest };
}

describe('loader fuzz (deterministic)', () => {
  const all = seeds();

  const corpusReason = corpusUnavailable();
  it.skipIf(corpusReason !== undefined)(`2,000 mutations of kernel selftest objects under 64 KiB (${corpusReason ?? 'corpus built at test time'})`, () => {
    const objs = buildKernelCorpus()
      .objects.filter((p) => statSync(p).size < 64 * 1024)
      .sort()
      .map((p) => seedOf(basename(p), new Uint8Array(readFileSync(p))));
    expect(objs.length).toBeGreaterThan(20);
    const stats = runCases('corpus', 2000, 0x5eed0004, (rnd) => {
      const s = objs[Math.floor(rnd() * objs.length)]!;
      const m = mutate(s.bytes, s.regions, rnd);
      return { len: m.length, run: () => loadObject(m) };
    });
    console.log(`loader fuzz corpus (${objs.length} objects): ${stats.loaded} loaded, errors by stage ${JSON.stringify(stats.byStage)}, slowest ${stats.slowest.toFixed(2)} ms`);
    expect(stats.loaded).toBeGreaterThan(100);
  });

  it('8,000 mutated and truncated objects each load or fail with a typed stage error', () => {
    const stats = runCases('object', 8000, 0x5eed0001, (rnd) => {
      const s = all[Math.floor(rnd() * all.length)]!;
      const m = mutate(s.bytes, s.regions, rnd);
      return {
        len: m.length,
        run: () => {
          const r = loadObject(m);
          // A loaded object must also be internally consistent.
          if (r.ok) for (const p of r.value.programs) if (p.lines.length !== p.insns.length) throw new Error('lines/insns length differ');
          return r;
        },
      };
    });
    console.log(`loader fuzz objects: ${stats.loaded} loaded, errors by stage ${JSON.stringify(stats.byStage)}, slowest ${stats.slowest.toFixed(2)} ms`);
    // The mutations must reach deep stages, not only the ELF header checks.
    for (const stage of ['elf', 'btf', 'relo', 'programs', 'isa']) expect(stats.byStage[stage] ?? 0, stage).toBeGreaterThan(0);
    expect(stats.loaded).toBeGreaterThan(500);
  });

  it('3,000 mutated .BTF blobs and 1,500 mutated .BTF.ext blobs parse or fail with a typed error', () => {
    const btfStats = runCases('btf', 3000, 0x5eed0002, (rnd) => {
      const s = all[Math.floor(rnd() * all.length)]!;
      const m = mutate(s.btf, [{ start: 0, end: 24 }, { start: 24, end: s.btf.length }], rnd);
      return {
        len: m.length,
        run: () => {
          const r = parseBtf(m);
          if (r.ok) for (const t of r.value.types) { r.value.sizeOf(t.id); r.value.resolve(t.id); }
          return r;
        },
      };
    });
    const withExt = all.filter((s) => s.ext);
    const extStats = runCases('btf.ext', 1500, 0x5eed0003, (rnd) => {
      const s = withExt[Math.floor(rnd() * withExt.length)]!;
      const btf = parseBtf(s.btf);
      if (!btf.ok) throw new Error(btf.error.message);
      const m = mutate(s.ext!, [{ start: 0, end: 32 }, { start: 32, end: s.ext!.length }], rnd);
      return { len: m.length, run: () => parseBtfExt(m, btf.value) };
    });
    console.log(`loader fuzz BTF: ${btfStats.loaded} parsed, errors ${JSON.stringify(btfStats.byStage)}; BTF.ext: ${extStats.loaded} parsed, errors ${JSON.stringify(extStats.byStage)}`);
    expect(btfStats.byStage.btf ?? 0).toBeGreaterThan(500);
    expect(extStats.byStage['btf.ext'] ?? 0).toBeGreaterThan(200);
  });
});
