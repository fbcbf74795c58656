// Compiles the emulator's own fixture programs (test/emulator/progs/*.c) at test time into
// test/.build/emulator/, cached by content hash, and lists every object the differential tests use.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';

const REPO = join(__dirname, '..', '..');
export const PROG_DIR = join(REPO, 'test', 'emulator', 'progs');
const BUILD = join(REPO, 'test', '.build', 'emulator');

export function clangAvailable(): boolean {
  try {
    execFileSync('clang', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function buildProg(name: string): string {
  const path = join(PROG_DIR, `${name}.c`);
  const text = readFileSync(path);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const obj = join(BUILD, `${name}-${hash}.o`);
  if (existsSync(obj)) return obj;
  mkdirSync(BUILD, { recursive: true });
  const arch = execFileSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).trim();
  const tmp = `${obj}.tmp${process.pid}`;
  execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-I', `/usr/include/${arch}`, '-c', path, '-o', tmp], { stdio: 'pipe', timeout: 120_000 });
  renameSync(tmp, obj);
  return obj;
}

export function listProgs(): string[] {
  return readdirSync(PROG_DIR).filter((f) => f.endsWith('.c')).map((f) => basename(f, '.c')).sort();
}
