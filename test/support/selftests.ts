// The kernel's own verifier selftests (tools/testing/selftests/bpf/progs/verifier_*.c from
// Debian's linux-source-6.12), compiled at test time with clang-19 into .cache/selftests/ and
// read back with our loader: each program's expectations come from the BTF decl tags that
// bpf_misc.h attaches (test_loader.c of the same tree defines their meaning):
//   comment:test_expect_success / _failure      -> privileged verdict (default: success)
//   comment:test_expect_msg=<n>=<text>          -> substrings of the privileged log
//   comment:test_retval=<v>                     -> BPF_PROG_TEST_RUN return value
//   comment:test_description=<text>             -> test name
//   comment:test_auxiliary                      -> helper program, not a test
//   comment:test_prog_flags=<flag>              -> load flags (alignment, state freq, ...)
//   *_unpriv variants                           -> unprivileged runs: ignored here
// A program whose tags are all *_unpriv has no privileged expectation (test_loader's mode_mask)
// and is skipped. Nothing from the tarball is committed.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadObjectDetail } from '../../server/src/core/loader';
import type { LoadedObject } from '../../server/src/core/program';
import { ensureKernelSource, KERNEL_TARBALL } from './kernelSource';

const REPO = join(__dirname, '..', '..');
const CACHE = join(REPO, '.cache', 'selftests');
const INCLUDE = join(CACHE, 'include');

export interface SelftestExpectation {
  /** Program (function) name. */
  readonly name: string;
  readonly section: string;
  readonly progType: number;
  readonly description: string;
  /** Privileged verdict the test expects. */
  readonly verdict: 'accept' | 'reject';
  /** Substrings the privileged log must contain, in order. */
  readonly msgs: string[];
  readonly retval?: number;
  /** Raw test_prog_flags values (BPF_F_STRICT_ALIGNMENT, BPF_F_TEST_STATE_FREQ, ...). */
  readonly flags: string[];
  /** test_arch tags (the test only runs on those architectures). */
  readonly arch: string[];
  readonly logLevel?: number;
  /** All decl tags as found, for anything else a caller wants. */
  readonly tags: string[];
}

export interface SelftestFile {
  readonly file: string;
  readonly objPath: string;
  readonly object: LoadedObject;
  /** Privileged tests (auxiliary and unpriv-only programs left out). */
  readonly tests: SelftestExpectation[];
  /** Programs skipped and why. */
  readonly skipped: { name: string; reason: string }[];
}

export interface SelftestCompileFailure {
  readonly file: string;
  readonly error: string;
}

function multiarchInclude(): string {
  return `/usr/include/${execFileSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).trim()}`;
}

/** vmlinux.h from the running kernel's BTF (bpftool), generated once. */
function ensureVmlinuxH(): void {
  const out = join(INCLUDE, 'vmlinux.h');
  if (existsSync(out)) return;
  mkdirSync(INCLUDE, { recursive: true });
  const text = execFileSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'c'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  writeFileSync(`${out}.tmp`, text);
  renameSync(`${out}.tmp`, out);
}

/**
 * bpf_helper_defs.h is generated in a kernel build (scripts/bpf_doc.py over the uapi bpf.h);
 * the tarball subset has neither, so the script is extracted once from the tarball. Falls back to
 * libbpf-dev's older copy when that fails.
 */
function ensureHelperDefs(root: string): void {
  const out = join(INCLUDE, 'bpf_helper_defs.h');
  if (existsSync(out)) return;
  mkdirSync(INCLUDE, { recursive: true });
  const script = join(CACHE, 'linux-source-6.12', 'scripts', 'bpf_doc.py');
  if (!existsSync(script) && existsSync(KERNEL_TARBALL)) {
    spawnSync('tar', ['-xJf', KERNEL_TARBALL, '-C', CACHE, 'linux-source-6.12/scripts/bpf_doc.py'], { stdio: 'ignore', timeout: 600_000 });
  }
  let text: string | undefined;
  if (existsSync(script)) {
    const r = spawnSync('python3', [script, '--header', '--file', join(root, 'tools', 'include', 'uapi', 'linux', 'bpf.h')], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    if (r.status === 0 && r.stdout.includes('bpf_map_lookup_elem')) text = r.stdout;
  }
  text ??= readFileSync('/usr/include/bpf/bpf_helper_defs.h', 'utf8');
  writeFileSync(`${out}.tmp`, text);
  renameSync(`${out}.tmp`, out);
}

export function selftestProgsDir(root: string): string {
  return join(root, 'tools', 'testing', 'selftests', 'bpf', 'progs');
}

export function listVerifierSelftests(root: string): string[] {
  return readdirSync(selftestProgsDir(root))
    .filter((f) => /^verifier_.*\.c$/.test(f))
    .sort();
}

/** Compiles one selftest source (cached by source hash); returns the object path or the compiler's error. */
export function buildSelftest(root: string, file: string): { objPath: string } | { error: string } {
  const src = join(selftestProgsDir(root), file);
  const text = readFileSync(src);
  const hash = createHash('sha256').update(text).update('clang-19 v3').digest('hex').slice(0, 12);
  const obj = join(CACHE, `${basename(file, '.c')}-${hash}.o`);
  const errFile = `${obj}.err`;
  if (existsSync(obj)) return { objPath: obj };
  if (existsSync(errFile)) return { error: readFileSync(errFile, 'utf8') };
  mkdirSync(CACHE, { recursive: true });
  if (text.includes('vmlinux.h')) ensureVmlinuxH();
  ensureHelperDefs(root);
  const bpfDir = join(root, 'tools', 'testing', 'selftests', 'bpf');
  const tmp = `${obj}.tmp${process.pid}`;
  const r = spawnSync(
    'clang-19',
    [
      '-target', 'bpf', '-mcpu=v3', '-g', '-O2', '-std=gnu11', '-fno-strict-aliasing',
      '-Wno-compare-distinct-pointer-types', '-D__TARGET_ARCH_x86', '-DENABLE_ATOMICS_TESTS',
      '-I', INCLUDE, '-I', bpfDir, '-I', join(bpfDir, 'progs'), '-I', join(root, 'tools', 'include'),
      '-I', join(root, 'tools', 'lib'), '-I', join(root, 'tools', 'include', 'uapi'), '-I', multiarchInclude(),
      '-c', src, '-o', tmp,
    ],
    { encoding: 'utf8', timeout: 300_000 },
  );
  if (r.status !== 0) {
    const error = (r.stderr || String(r.error)).split('\n').filter((l) => l.includes('error')).slice(0, 5).join('\n') || 'clang failed';
    writeFileSync(errFile, error);
    return { error };
  }
  renameSync(tmp, obj);
  return { objPath: obj };
}

/** Interprets one program's decl tags the way test_loader.c does for the privileged run. */
export function expectationFromTags(name: string, section: string, progType: number, tags: string[]): SelftestExpectation | { skip: string } {
  let priv = false;
  let unpriv = false;
  let failure = false;
  let auxiliary = false;
  let description = name;
  let retval: number | undefined;
  let logLevel: number | undefined;
  const msgs: { n: number; text: string }[] = [];
  const flags: string[] = [];
  const arch: string[] = [];
  for (const t of tags) {
    let m: RegExpMatchArray | null;
    if (t === 'comment:test_expect_failure') (failure = true), (priv = true);
    else if (t === 'comment:test_expect_success') (failure = false), (priv = true);
    else if (t === 'comment:test_auxiliary') (auxiliary = true), (priv = true);
    else if (t === 'comment:test_expect_failure_unpriv' || t === 'comment:test_expect_success_unpriv' || t === 'comment:test_auxiliary_unpriv') unpriv = true;
    else if ((m = t.match(/^comment:test_expect_msg=(\d+)=([\s\S]*)$/))) (msgs.push({ n: Number(m[1]), text: m[2] }), (priv = true));
    else if (t.startsWith('comment:test_expect_msg_unpriv=') || t.startsWith('comment:test_retval_unpriv=') || t.startsWith('comment:test_jited_unpriv=') || t.startsWith('comment:test_expect_xlated_unpriv=')) unpriv = true;
    else if (t.startsWith('comment:test_expect_xlated=') || t.startsWith('comment:test_jited=')) priv = true;
    else if ((m = t.match(/^comment:test_retval=(.*)$/))) {
      retval = parseRetval(m[1]);
      priv = true;
    } else if ((m = t.match(/^comment:test_description=([\s\S]*)$/))) description = m[1];
    else if ((m = t.match(/^comment:test_log_level=(.*)$/))) logLevel = Number(m[1]);
    else if ((m = t.match(/^comment:test_prog_flags=(.*)$/))) flags.push(m[1]);
    else if ((m = t.match(/^comment:test_arch=(.*)$/))) arch.push(m[1]);
  }
  if (!priv && !unpriv) priv = true; // mode_mask defaults to PRIV
  if (auxiliary) return { skip: 'auxiliary program (loaded by other tests)' };
  if (!priv) return { skip: 'unprivileged-only expectations' };
  if (arch.length > 0 && !arch.includes('X86_64')) return { skip: `test_arch ${arch.join(',')} only` };
  msgs.sort((a, b) => a.n - b.n);
  return {
    name, section, progType, description, verdict: failure ? 'reject' : 'accept', msgs: msgs.map((m) => m.text),
    ...(retval !== undefined ? { retval } : {}), flags, arch, ...(logLevel !== undefined ? { logLevel } : {}), tags,
  };
}

/** test_retval values are C expressions of a few fixed shapes (numbers, negative numbers, POINTER_VALUE, TEST_DATA_LEN, INT_MIN...). */
function parseRetval(s: string): number | undefined {
  const t = s.trim();
  if (/^-?(0x[0-9a-f]+|\d+)$/i.test(t)) return Number(t.startsWith('-') ? -Number(t.slice(1)) : Number(t));
  const known: Record<string, number> = { INT_MIN: -2147483648, INT_MAX: 2147483647 };
  return known[t];
}

/** Compiles and reads one verifier selftest file. */
export function loadSelftest(root: string, file: string): SelftestFile | SelftestCompileFailure {
  const built = buildSelftest(root, file);
  if ('error' in built) return { file, error: built.error };
  const r = loadObjectDetail(new Uint8Array(readFileSync(built.objPath)));
  if (!r.ok) return { file, error: `loader: ${JSON.stringify(r.error)}` };
  const { object, btf } = r.value;
  const tests: SelftestExpectation[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const p of object.programs) {
    const tags = btf ? btf.declTags(p.name) : [];
    const e = expectationFromTags(p.name, p.section, p.progType, tags);
    if ('skip' in e) skipped.push({ name: p.name, reason: e.skip });
    else tests.push(e);
  }
  return { file, objPath: built.objPath, object, tests, skipped };
}

export { ensureKernelSource };
