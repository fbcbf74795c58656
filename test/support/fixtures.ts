// The verifier fixtures: small XDP C programs of our own in test/fixtures/verifier/, each file
// holding one or more programs (one SEC function each) with its expected verdict in comments:
//
//   // expect: <prog> accept
//   // expect: <prog> reject bpf/<code>
//   // msg: <prog> <substring of the kernel's rejection message>       (optional)
//   // clang: 19                                                        (inline asm needs clang-19; default clang 14)
//   // kernel: <note on kernel-version dependence>                      (optional, free text)
//   ... offending source line ...   // ^ bpf/<code> [<prog>]
//
// The `// ^` marker names the line the rejection is reported on (the line_info of the failing
// instruction); when a file has several rejected programs each marker names its program.
// Objects are compiled at test time into test/.build/fixtures/, cached by content hash.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';

const REPO = join(__dirname, '..', '..');
export const FIXTURE_DIR = join(REPO, 'test', 'fixtures', 'verifier');
const BUILD = join(REPO, 'test', '.build', 'fixtures');
export const KERNEL_VERDICTS = join(FIXTURE_DIR, 'kernel-verdicts.json');

export interface ProgramExpectation {
  readonly name: string;
  readonly verdict: 'accept' | 'reject';
  /** `bpf/...` code for rejections. */
  readonly code?: string;
  /** 1-based line of the `// ^` marker for this program, if any. */
  readonly line?: number;
  /** Substring of the kernel's message. */
  readonly msg?: string;
}

export interface FixtureAnnotations {
  readonly programs: ProgramExpectation[];
  /** Which clang compiles the file: 14 (default) or 19 (inline asm the old one cannot take). */
  readonly clang: 14 | 19;
  readonly kernelNotes: string[];
  /** Problems in the annotations themselves (unknown program in a marker, duplicate, ...). */
  readonly problems: string[];
}

export interface KernelRecord {
  readonly verdict: 'accept' | 'reject';
  /** The first line of the log's error (empty on accept). */
  readonly message: string;
  /** Kernel release major.minor the record was taken on. */
  readonly kernel: string;
  /** Line the kernel's log names for the failing instruction (last "; ... @ file:N" before it). */
  readonly line?: number;
  readonly processedInsns?: number;
}

export type KernelVerdicts = Record<string, Record<string, KernelRecord>>;

export function listFixtures(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.c'))
    .sort()
    .map((f) => join(FIXTURE_DIR, f));
}

const EXPECT = /^\s*\/\/\s*expect:\s*(\S+)\s+(accept|reject)(?:\s+(bpf\/[a-z0-9-]+))?\s*$/;
const MSG = /^\s*\/\/\s*msg:\s*(\S+)\s+(.+?)\s*$/;
const CLANG = /^\s*\/\/\s*clang:\s*(\d+)\s*$/;
const KERNEL = /^\s*\/\/\s*kernel:\s*(.+?)\s*$/;
const MARK = /\/\/\s*\^\s*(bpf\/[a-z0-9-]+)(?:\s+([A-Za-z_][A-Za-z0-9_]*))?\s*$/;

export function parseAnnotations(cText: string): FixtureAnnotations {
  const problems: string[] = [];
  const progs = new Map<string, { name: string; verdict: 'accept' | 'reject'; code?: string; line?: number; msg?: string }>();
  let clang: 14 | 19 = 14;
  const kernelNotes: string[] = [];
  const marks: { line: number; code: string; prog?: string }[] = [];
  const lines = cText.split('\n');
  lines.forEach((text, i) => {
    let m: RegExpMatchArray | null;
    if ((m = text.match(EXPECT))) {
      const [, name, verdict, code] = m;
      if (progs.has(name)) problems.push(`line ${i + 1}: duplicate expect for ${name}`);
      if (verdict === 'reject' && !code) problems.push(`line ${i + 1}: reject without a code for ${name}`);
      if (verdict === 'accept' && code) problems.push(`line ${i + 1}: accept with a code for ${name}`);
      progs.set(name, { name, verdict: verdict as 'accept' | 'reject', code });
    } else if ((m = text.match(MSG))) {
      const p = progs.get(m[1]);
      if (!p) problems.push(`line ${i + 1}: msg for unknown program ${m[1]}`);
      else p.msg = m[2];
    } else if ((m = text.match(CLANG))) {
      if (m[1] !== '14' && m[1] !== '19') problems.push(`line ${i + 1}: clang ${m[1]} is not 14 or 19`);
      clang = m[1] === '19' ? 19 : 14;
    } else if ((m = text.match(KERNEL))) {
      kernelNotes.push(m[1]);
    } else if ((m = text.match(MARK))) {
      marks.push({ line: i + 1, code: m[1], prog: m[2] });
    }
  });
  const rejected = [...progs.values()].filter((p) => p.verdict === 'reject');
  for (const mk of marks) {
    let target = mk.prog ? progs.get(mk.prog) : undefined;
    if (mk.prog && !target) {
      problems.push(`line ${mk.line}: marker names unknown program ${mk.prog}`);
      continue;
    }
    if (!target) {
      if (rejected.length !== 1) {
        problems.push(`line ${mk.line}: marker without a program name in a file with ${rejected.length} rejected programs`);
        continue;
      }
      target = rejected[0];
    }
    if (target.verdict !== 'reject') problems.push(`line ${mk.line}: marker for accepted program ${target.name}`);
    else if (target.code !== mk.code) problems.push(`line ${mk.line}: marker code ${mk.code} differs from expect ${target.code} of ${target.name}`);
    else if (target.line !== undefined) problems.push(`line ${mk.line}: second marker for ${target.name}`);
    else target.line = mk.line;
  }
  return { programs: [...progs.values()], clang, kernelNotes, problems };
}

let multiarch: string | undefined;
function includeArch(): string {
  if (multiarch === undefined) multiarch = execFileSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).trim();
  return `/usr/include/${multiarch}`;
}

export function clangFor(version: 14 | 19): string {
  return version === 19 ? 'clang-19' : 'clang';
}

/** Compiles one fixture (cached by the hash of its text, fixture.h and the compiler choice); returns the object path. */
export function buildFixture(path: string): string {
  const text = readFileSync(path, 'utf8');
  const ann = parseAnnotations(text);
  const header = readFileSync(join(FIXTURE_DIR, 'fixture.h'));
  const hash = createHash('sha256').update(text).update(header).update(String(ann.clang)).digest('hex').slice(0, 16);
  const obj = join(BUILD, `${basename(path, '.c')}-${hash}.o`);
  if (existsSync(obj)) return obj;
  mkdirSync(BUILD, { recursive: true });
  const tmp = `${obj}.tmp${process.pid}`;
  execFileSync(
    clangFor(ann.clang),
    ['-O2', '-g', '-target', 'bpf', '-mcpu=v3', '-Wall', '-Wno-unused-variable', '-I', includeArch(), '-I', FIXTURE_DIR, '-c', path, '-o', tmp],
    { stdio: 'pipe', timeout: 120_000 },
  );
  renameSync(tmp, obj);
  return obj;
}

export function readKernelVerdicts(): KernelVerdicts {
  if (!existsSync(KERNEL_VERDICTS)) return {};
  return JSON.parse(readFileSync(KERNEL_VERDICTS, 'utf8')) as KernelVerdicts;
}

/** The line the kernel's level-1 log names last before the rejection ("; text @ file.c:N"). */
export function kernelReportedLine(log: string): number | undefined {
  const end = log.indexOf('\nverification time ');
  const body = end >= 0 ? log.slice(0, end) : log;
  let line: number | undefined;
  for (const m of body.matchAll(/^; .* @ [^:\n]+:(\d+)$/gm)) line = Number(m[1]);
  return line;
}
