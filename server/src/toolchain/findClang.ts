// Finds a clang that can build BPF objects: the configured path (xdp.clang.path setting or the
// CLI's --clang), else `clang` on PATH, else clang-19 ... clang-14. Each candidate is probed once
// per absolute path (`--version`, `-print-targets`) and the answer cached for the process.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { Range, type Finding } from '../core/diagnostics/finding';
import { runProcess } from './runProcess';

export interface ClangVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

export interface ClangInfo {
  readonly kind: 'clang';
  /** Absolute path of the executable. */
  readonly path: string;
  readonly version: ClangVersion;
  /** First line of `clang --version`, e.g. "Debian clang version 14.0.6". */
  readonly text: string;
}

export interface ToolchainProblem {
  readonly kind: 'problem';
  /** One `toolchain/clang-missing` finding saying what was tried and how to install clang. */
  readonly finding: Finding;
  /** The executables that were tried, with why each was refused. */
  readonly tried: readonly string[];
}

/** Oldest clang we accept: BTF with line_info and the BPF CO-RE builtins are solid from 14 on. */
export const MIN_CLANG_MAJOR = 14;
/** Names tried on PATH when no path is configured, in order. */
export const CLANG_CANDIDATES = ['clang', 'clang-19', 'clang-18', 'clang-17', 'clang-16', 'clang-15', 'clang-14'];

export const INSTALL_HINT =
  'Install it with `apt-get install clang libbpf-dev`, or point the xdp.clang.path setting (CLI: --clang PATH) at a clang ≥ 14 with the BPF target.';

const PROBE_TIMEOUT_MS = 15_000;

type Probe = { ok: true; info: ClangInfo } | { ok: false; why: string };
const probeCache = new Map<string, Promise<Probe>>();

export function isClangInfo(x: ClangInfo | ToolchainProblem): x is ClangInfo {
  return x.kind === 'clang';
}

export async function findClang(opts: { path?: string } = {}): Promise<ClangInfo | ToolchainProblem> {
  const configured = opts.path?.trim();
  if (configured) {
    const exe = resolveExecutable(configured);
    if (!exe) return problem(`clang not found at '${configured}' (the xdp.clang.path setting or --clang). ${INSTALL_HINT}`, [`${configured}: not found`]);
    const p = await probe(exe);
    if (p.ok) return p.info;
    return problem(`'${configured}' cannot build BPF objects: ${p.why}. ${INSTALL_HINT}`, [`${exe}: ${p.why}`]);
  }
  const tried: string[] = [];
  for (const name of CLANG_CANDIDATES) {
    const exe = resolveExecutable(name);
    if (!exe) continue;
    const p = await probe(exe);
    if (p.ok) return p.info;
    tried.push(`${exe}: ${p.why}`);
  }
  const what = tried.length ? `none of the clang executables on PATH is usable (${tried.join('; ')})` : `no clang on PATH (tried ${CLANG_CANDIDATES.join(', ')})`;
  return problem(`${what}. ${INSTALL_HINT}`, tried);
}

/** Forget probe results (tests that swap executables behind one path). */
export function clearClangCache(): void {
  probeCache.clear();
}

/** Parses the version out of `clang --version` output ("Debian clang version 14.0.6", "clang version 19.1.7 (...)"). */
export function parseClangVersion(text: string): ClangVersion | undefined {
  const m = /clang version (\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

function probe(exe: string): Promise<Probe> {
  let p = probeCache.get(exe);
  if (!p) {
    p = probeUncached(exe);
    probeCache.set(exe, p);
  }
  return p;
}

async function probeUncached(exe: string): Promise<Probe> {
  const v = await runProcess(exe, ['--version'], { timeoutMs: PROBE_TIMEOUT_MS });
  if (v.spawnError) return { ok: false, why: `cannot run it (${v.spawnError.code ?? v.spawnError.message})` };
  if (v.timedOut) return { ok: false, why: '`--version` did not answer' };
  const out = v.stdout.toString('utf8');
  const version = parseClangVersion(out);
  if (v.code !== 0 || !version) return { ok: false, why: 'it does not identify as clang (`--version`)' };
  const text = out.split('\n')[0]?.trim() ?? '';
  if (version.major < MIN_CLANG_MAJOR) {
    return { ok: false, why: `it is clang ${version.major}.${version.minor}; clang ≥ ${MIN_CLANG_MAJOR} is needed` };
  }
  if (!(await hasBpfTarget(exe))) return { ok: false, why: `clang ${version.major}.${version.minor} was built without the BPF target` };
  return { ok: true, info: { kind: 'clang', path: exe, version, text } };
}

async function hasBpfTarget(exe: string): Promise<boolean> {
  const t = await runProcess(exe, ['-print-targets'], { timeoutMs: PROBE_TIMEOUT_MS });
  if (t.code === 0 && /^\s*bpf\s/m.test(t.stdout.toString('utf8'))) return true;
  // -print-targets answered but without bpf, or is unknown: settle it with a one-line compile.
  const c = await runProcess(exe, ['-target', 'bpf', '-c', '-x', 'c', '-', '-o', '/dev/null'], {
    timeoutMs: PROBE_TIMEOUT_MS,
    stdin: 'int xdp_lens_probe(void) { return 0; }\n',
  });
  return c.code === 0;
}

/** An absolute or relative path is taken as is; a bare name is looked up on PATH. */
function resolveExecutable(nameOrPath: string): string | undefined {
  if (nameOrPath.includes('/')) {
    const p = isAbsolute(nameOrPath) ? nameOrPath : resolve(nameOrPath);
    return isExecutableFile(p) ? p : undefined;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, nameOrPath);
    if (isExecutableFile(p)) return p;
  }
  return undefined;
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function problem(message: string, tried: string[]): ToolchainProblem {
  return {
    kind: 'problem',
    tried,
    finding: { code: 'toolchain/clang-missing', severity: 'error', message, range: Range.line(1), data: { tried } },
  };
}
