// Builds the loader's C fixtures at test time (clang -target bpf -g -O2) into test/.build/loader
// and keeps a committed golden copy of each object next to its source, so the tests also run
// without clang. The golden .o is written when missing and rewritten only with UPDATE_GOLDEN=1.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const REPO = join(__dirname, '..', '..', '..');
export const FIXTURES = join(REPO, 'test', 'fixtures', 'loader');
export const BUILD = join(REPO, 'test', '.build', 'loader');

/** Fixture name -> the clang that builds it (enum64 needs clang >= 15). */
export const FIXTURE_COMPILERS: Record<string, string> = {
  basic: 'clang',
  btf_kinds: 'clang-19',
  maps: 'clang',
  globals: 'clang',
  subprogs: 'clang',
  sections: 'clang',
  kfuncs: 'clang',
  legacy: 'clang',
  core: 'clang',
  global_args: 'clang-19',
};

export function hasTool(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

let multiarch: string | undefined;
export function multiarchInclude(): string {
  if (multiarch === undefined) {
    try {
      multiarch = `/usr/include/${execFileSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).trim()}`;
    } catch {
      multiarch = '/usr/include/x86_64-linux-gnu';
    }
  }
  return multiarch;
}

const built = new Map<string, Uint8Array>();

/** The object for fixture `name`: freshly built when its clang exists, else the golden copy. */
export function fixtureObject(name: string): Uint8Array {
  const cached = built.get(name);
  if (cached) return cached;
  const src = join(FIXTURES, `${name}.c`);
  const golden = join(FIXTURES, `${name}.o`);
  const cc = FIXTURE_COMPILERS[name] ?? 'clang';
  let path = golden;
  if (hasTool(cc)) {
    mkdirSync(BUILD, { recursive: true });
    const out = join(BUILD, `${name}.o`);
    // Relative source path so the file names recorded in BTF do not depend on the checkout location.
    // Test files run in separate processes; an object newer than its source is reused.
    if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
      execFileSync(cc, ['-target', 'bpf', '-g', '-O2', '-c', `-I${multiarchInclude()}`, relative(REPO, src), '-o', out], { cwd: REPO, stdio: 'pipe' });
    }
    if (!existsSync(golden) || process.env.UPDATE_GOLDEN === '1') copyFileSync(out, golden);
    path = out;
  }
  const bytes = new Uint8Array(readFileSync(path));
  built.set(name, bytes);
  return bytes;
}
