// `xdp-check disasm --format objdump` must print what `llvm-objdump -d --no-show-raw-insn` (LLVM 14)
// prints. Checked live on a corpus compiled from the kernel's selftests and samples, and on every
// object committed under test/fixtures against golden copies of LLVM's output (so the check still
// runs on machines without llvm-objdump-14).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../../server/src/core/elf/elf';
import { objdumpListing } from '../../../server/src/core/isa/listing';
import { buildKernelCorpus, corpusUnavailable } from '../../support/corpus';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures');
const GOLDEN = join(ROOT, 'test', 'golden', 'disasm', 'fixtures');

const hasObjdump14 = (() => {
  try {
    execFileSync('llvm-objdump-14', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function llvmObjdump(path: string): string {
  return execFileSync('llvm-objdump-14', ['-d', '--no-show-raw-insn', path], { encoding: 'utf8', maxBuffer: 1 << 28 });
}

function ours(path: string): string {
  const elf = parseElf(new Uint8Array(readFileSync(path)));
  if (!elf.ok) throw new Error(`${path}: ${elf.error.message}`);
  const { text, errors } = objdumpListing(elf.value, path);
  expect(errors).toEqual([]);
  return text;
}

/** Line-level difference summary, first few lines only, for readable failures. */
function diff(a: string, b: string): string[] {
  const x = a.split('\n');
  const y = b.split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(x.length, y.length) && out.length < 5; i++) {
    if (x[i] !== y[i]) out.push(`line ${i + 1}: ours ${JSON.stringify(x[i])} llvm ${JSON.stringify(y[i])}`);
  }
  return out;
}

function committedObjects(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? committedObjects(p) : name.endsWith('.o') ? [p] : [];
  });
}

describe('objdump listing', () => {
  const fixtures = committedObjects(FIXTURES);

  it.skipIf(fixtures.length === 0)('equals the golden llvm-objdump-14 output for every committed fixture object', () => {
    for (const obj of fixtures) {
      const rel = relative(ROOT, obj);
      const golden = join(GOLDEN, `${relative(FIXTURES, obj)}.txt`);
      if (!existsSync(golden) || process.env.UPDATE_GOLDEN === '1') {
        if (!hasObjdump14) throw new Error(`golden ${golden} missing and llvm-objdump-14 not installed`);
        mkdirSync(dirname(golden), { recursive: true });
        // The header names the path as given; run from the repo root with a relative path.
        writeFileSync(golden, execFileSync('llvm-objdump-14', ['-d', '--no-show-raw-insn', rel], { cwd: ROOT, encoding: 'utf8' }));
      }
      const elf = parseElf(new Uint8Array(readFileSync(obj)));
      if (!elf.ok) throw new Error(elf.error.message);
      expect(diff(objdumpListing(elf.value, rel).text, readFileSync(golden, 'utf8')), rel).toEqual([]);
    }
  });

  const unavailable = corpusUnavailable() ?? (hasObjdump14 ? undefined : 'needs llvm-objdump-14');
  it.skipIf(unavailable !== undefined)(`equals live llvm-objdump-14 on the kernel selftest and sample corpus${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
    const corpus = buildKernelCorpus();
    // Most of the corpus must build here, or the comparison proves little.
    expect(corpus.objects.length).toBeGreaterThan(100);
    let lines = 0;
    for (const obj of corpus.objects) {
      const theirs = llvmObjdump(obj);
      lines += theirs.split('\n').filter((l) => /^ +\d+:/.test(l)).length;
      expect(diff(ours(obj), theirs), obj).toEqual([]);
    }
    expect(lines).toBeGreaterThan(20_000);
  });
});
