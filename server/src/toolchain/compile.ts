// Compiles one XDP C file (or an unsaved buffer of it) to a BPF object with clang and returns
// the object bytes together with clang's diagnostics as findings. A compile error is a normal
// result (ok: false with clang/error findings); only a bug throws.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Range, type Finding } from '../core/diagnostics/finding';
import { parseClangDiagnostics } from './clangDiagnostics';
import { compileCommandFlags } from './compileCommands';
import { findClang, isClangInfo, type ClangInfo } from './findClang';
import { runProcess } from './runProcess';

export interface CompileRequest {
  readonly file: string;
  /** Unsaved buffer contents: compiled from stdin (`-x c -`) and reported against `file`. */
  readonly text?: string;
  readonly includeDirs?: readonly string[];
  /** `NAME` or `NAME=VALUE`, as for -D. */
  readonly defines?: readonly string[];
  /** Extra clang arguments, passed last. */
  readonly args?: readonly string[];
  readonly clangPath?: string;
  /** Default 20 s. */
  readonly timeoutMs?: number;
  /** Take -I/-D/-isystem/-include/-std from compile_commands.json found upward (default true). */
  readonly useCompileCommands?: boolean;
  /** Aborting kills clang; the result is then `cancelled: true` with no problems. */
  readonly signal?: AbortSignal;
}

export interface CompileResult {
  readonly ok: boolean;
  /** The ELF object, when clang succeeded. */
  readonly object?: Uint8Array;
  readonly problems: Finding[];
  readonly clang?: ClangInfo;
  /** Wall time of the whole request, clang discovery included. */
  readonly ms: number;
  /** The command line run (clang's absolute path first); empty when clang was not found. */
  readonly argv: string[];
  /** Set when the request's signal aborted the compile (a distinct outcome, not a failure). */
  readonly cancelled?: true;
}

export const DEFAULT_COMPILE_TIMEOUT_MS = 20_000;

/** Flags every compile gets: BPF target, BTF and line info, the optimisation libbpf programs expect. */
export const BASE_FLAGS = ['-target', 'bpf', '-g', '-O2', '-c'];
/** Machine-readable diagnostics: plain text, source ranges and fix-its in parseable form. */
export const DIAGNOSTIC_FLAGS = ['-fno-color-diagnostics', '-fdiagnostics-parseable-fixits', '-fdiagnostics-print-source-range-info'];

export async function compile(req: CompileRequest): Promise<CompileResult> {
  const t0 = performance.now();
  const ms = (): number => Math.round((performance.now() - t0) * 10) / 10;
  const found = await findClang(req.clangPath === undefined ? {} : { path: req.clangPath });
  if (!isClangInfo(found)) return { ok: false, problems: [found.finding], ms: ms(), argv: [] };

  const file = resolve(req.file);
  const dir = dirname(file);
  const fromStdin = req.text !== undefined;
  const args = [...BASE_FLAGS, ...DIAGNOSTIC_FLAGS];
  for (const d of req.includeDirs ?? []) args.push('-I', resolve(d));
  if (req.useCompileCommands !== false) {
    const cc = compileCommandFlags(file);
    if (cc) args.push(...cc.flags);
  }
  for (const d of req.defines ?? []) args.push(`-D${d}`);
  if (fromStdin) {
    // A file's own directory is searched for "quoted" includes; stdin has none, so add it.
    // The prefix map names the file in BTF line_info instead of "<stdin>".
    args.push('-I', dir, `-fdebug-prefix-map=<stdin>=${file}`);
  }
  const multiarch = await multiarchIncludeDir();
  if (multiarch) args.push('-I', multiarch);
  args.push(...(req.args ?? []));
  args.push('-o', '-');
  if (fromStdin) args.push('-x', 'c', '-');
  else args.push(file);

  const argv = [found.path, ...args];
  const timeoutMs = req.timeoutMs ?? DEFAULT_COMPILE_TIMEOUT_MS;
  const run = await runProcess(found.path, args, {
    cwd: existsSync(dir) ? dir : process.cwd(),
    timeoutMs,
    ...(fromStdin ? { stdin: req.text } : {}),
    ...(req.signal ? { signal: req.signal } : {}),
  });
  if (run.cancelled) return { ok: false, problems: [], clang: found, ms: ms(), argv, cancelled: true };

  if (run.timedOut) {
    const finding: Finding = {
      code: 'toolchain/clang-timeout',
      severity: 'error',
      message: `clang did not finish compiling ${basename(file)} within ${(timeoutMs / 1000).toFixed(timeoutMs % 1000 ? 1 : 0)} s and was killed`,
      range: Range.line(1),
      data: { timeoutMs, argv },
    };
    return { ok: false, problems: [finding], clang: found, ms: ms(), argv };
  }
  if (run.spawnError) {
    const finding: Finding = {
      code: 'toolchain/clang-missing',
      severity: 'error',
      message: `could not run ${found.path}: ${run.spawnError.message}`,
      range: Range.line(1),
    };
    return { ok: false, problems: [finding], clang: found, ms: ms(), argv };
  }

  const sources = new Map<string, string | undefined>();
  const sourceOf = (f: string): string | undefined => {
    if (f === file && fromStdin) return req.text;
    if (!sources.has(f)) sources.set(f, readTextOrUndefined(f));
    return sources.get(f);
  };
  const problems = parseClangDiagnostics(run.stderr, { mainFile: file, cwd: existsSync(dir) ? dir : process.cwd(), sourceOf });
  const ok = run.code === 0 && run.stdout.length > 0;
  if (!ok && !problems.some((p) => p.severity === 'error')) {
    // clang failed without a diagnostic we recognised (crash, signal): keep its own words.
    const text = run.stderr.trim().split('\n').slice(0, 20).join('\n');
    problems.push({
      code: 'clang/error',
      severity: 'error',
      message: `clang failed (exit ${run.code ?? 'by signal'})${text ? `: ${text}` : ''}`,
      range: Range.line(1),
    });
  }
  return { ok, ...(ok ? { object: new Uint8Array(run.stdout) } : {}), problems, clang: found, ms: ms(), argv };
}

let multiarchPromise: Promise<string | undefined> | undefined;

/**
 * Debian keeps <asm/types.h> and friends in /usr/include/<multiarch>; clang -target bpf does not
 * search it, so every XDP program including <linux/bpf.h> needs it added. Computed once.
 */
export function multiarchIncludeDir(): Promise<string | undefined> {
  multiarchPromise ??= (async () => {
    const r = await runProcess('gcc', ['-print-multiarch'], { timeoutMs: 5_000 });
    const triple = r.code === 0 ? r.stdout.toString('utf8').trim() : '';
    const candidates = [triple && `/usr/include/${triple}`, '/usr/include/x86_64-linux-gnu', '/usr/include/aarch64-linux-gnu'];
    return candidates.find((c) => c && existsSync(`${c}/asm`)) || undefined;
  })();
  return multiarchPromise;
}

function readTextOrUndefined(f: string): string | undefined {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return undefined;
  }
}
