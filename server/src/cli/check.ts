// `xdp-check check`: compile each C file (or take a BPF object), analyse it for the selected
// driver and kernel, and print the report as compiler-style text, JSON (report v1) or SARIF.
// Exit: 0 clean, 1 error-severity findings, 2 usage or toolchain failure.
import { analyzeObjectDetail, hasReturnCodeFindings, placeReturnCodeFindings } from '../core/analyze';
import { Range, type Finding } from '../core/diagnostics/finding';
import type { CheckReport, FileReport } from '../core/report';
import { formatOptions, parseArgs, type OptionSpec } from './args';
import { unknownDriverMessage } from '../core/drivers/index';
import { driverIds, findDriver } from './drivers';
import { COMPILE_OPTIONS, inputOptions, readInput, type Input } from './input';
import { ExitCode, type CliIo } from './io';
import { formatMatrix, type MatrixRow } from './matrix';
import { toSarif } from './sarif';
import { formatText } from './textReport';
import { TOOL_VERSION } from './version';

export const CHECK_OPTIONS: readonly OptionSpec[] = [
  { name: 'driver', value: true, arg: 'NAME', help: 'check against this driver (kernel module name, `generic` or `nfp-offload`); see `xdp-check drivers`' },
  { name: 'kernel', value: true, arg: 'X.Y', help: 'target kernel version (default: the newest the tables know)' },
  { name: 'format', value: true, arg: 'text|json|sarif', choices: ['text', 'json', 'sarif'], help: 'output format (default text)' },
  ...COMPILE_OPTIONS,
  { name: 'matrix', help: 'check every program against every driver profile and print a ✔/✘ table' },
  { name: 'help', short: 'h', help: 'show this help' },
];

export const CHECK_USAGE = `usage: xdp-check check [options] FILE...

Compiles each C file with clang (-target bpf -g -O2), or reads a BPF object (.o), loads it,
runs the verifier and the XDP analyses, and reports findings. Without --driver only
driver-independent checks run (the report says portability was not checked).

options:
${formatOptions(CHECK_OPTIONS)}

exit status: 0 clean, 1 findings at error severity, 2 usage or toolchain failure`;

const DRIVER_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const KERNEL_RE = /^(\d+)\.(\d+)$/;
/** XDP arrived in Linux 4.8 (BPF_PROG_TYPE_XDP, include/uapi/linux/bpf.h). */
const FIRST_XDP_KERNEL = [4, 8] as const;

export async function checkCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(argv, CHECK_OPTIONS);
  if (!parsed.ok) return usage(io, parsed.message);
  const args = parsed.args;
  if (args.has('help')) {
    io.stdout(CHECK_USAGE + '\n');
    return ExitCode.CLEAN;
  }
  if (args.positionals.length === 0) return usage(io, 'no input files');

  let driver = args.get('driver') ?? null;
  if (driver !== null) {
    const resolved = validateDriver(driver);
    if ('error' in resolved) return usage(io, resolved.error);
    driver = resolved.id;
  }
  const kernel = args.get('kernel') ?? null;
  if (kernel !== null) {
    const bad = validateKernel(kernel);
    if (bad) return usage(io, bad);
  }
  const format = (args.get('format') ?? 'text') as 'text' | 'json' | 'sarif';
  const matrix = args.has('matrix');
  if (matrix && driver !== null) return usage(io, '--matrix checks every driver; it cannot be combined with --driver');
  if (matrix && format !== 'text') return usage(io, `--matrix prints a text table; for --format ${format} run one --driver at a time`);
  const matrixDrivers = matrix ? driverIds() : [];

  const inputs: Input[] = [];
  let status: number = ExitCode.CLEAN;
  for (const path of args.positionals) {
    const input = await readInput(path, io, inputOptions(args, io.cwd));
    if (input.kind === 'fatal') return fail(io, input.message);
    if (input.kind === 'unreadable') {
      io.stderr(`xdp-check: ${input.message}\n`);
      status = ExitCode.USAGE;
      continue;
    }
    inputs.push(input);
  }

  if (matrix) {
    const rows: MatrixRow[] = [];
    for (const input of inputs) {
      for (const d of matrixDrivers) {
        const report = await analyzeInput(input, d, kernel);
        rows.push({ path: input.path, driver: d, report });
      }
    }
    io.stdout(formatMatrix(rows, matrixDrivers));
    if (status !== ExitCode.CLEAN || rows.some((r) => incomplete(r.report))) return ExitCode.USAGE;
    return rows.some((r) => hasError(r.report)) ? ExitCode.FINDINGS : ExitCode.CLEAN;
  }

  const files: FileReport[] = [];
  for (const input of inputs) files.push(await analyzeInput(input, driver, kernel));
  const report: CheckReport = { version: 1, target: { driver, kernel }, files };

  if (format === 'json') io.stdout(JSON.stringify(report, null, 2) + '\n');
  else if (format === 'sarif') io.stdout(JSON.stringify(toSarif(report, { cwd: io.cwd, toolVersion: TOOL_VERSION }), null, 2) + '\n');
  else io.stdout(formatText(report, io.cwd));

  if (status !== ExitCode.CLEAN || files.some(incomplete)) return ExitCode.USAGE;
  return files.some(hasError) ? ExitCode.FINDINGS : ExitCode.CLEAN;
}

async function analyzeInput(input: Input, driver: string | null, kernel: string | null): Promise<FileReport> {
  if (input.kind === 'failed') return { path: input.path, diagnostics: input.problems, programs: [] };
  let analysed: FileReport;
  try {
    const detail = analyzeObjectDetail(input.bytes, { path: input.path, driver, kernel });
    analysed = detail.report;
    // Return-code findings go on their `return` statements, from clang's AST, read only when needed.
    if (input.readReturns && hasReturnCodeFindings(detail)) {
      const returns = await input.readReturns();
      if (returns) analysed = placeReturnCodeFindings(detail, returns);
    }
  } catch (e) {
    // A bug in the analysis must not hide the other files' results: report it on this file.
    const err = e instanceof Error ? e : new Error(String(e));
    const failed: Finding = {
      code: 'analysis/failed',
      severity: 'error',
      message: `the analysis failed unexpectedly (a bug: please report it with this file): ${err.message}`,
      range: Range.line(1),
      data: { stack: err.stack ?? err.message },
    };
    return { path: input.path, diagnostics: [...input.problems, failed], programs: [] };
  }
  if (input.problems.length === 0) return analysed;
  return { ...analysed, diagnostics: [...input.problems, ...analysed.diagnostics] };
}

/** Results that could not be produced (analysis bug, clang timeout) make the run a failure (2). */
function incomplete(f: FileReport): boolean {
  return f.diagnostics.some((d) => d.code === 'analysis/failed' || d.code.startsWith('toolchain/'));
}

function hasError(f: FileReport): boolean {
  return f.diagnostics.some((d) => d.severity === 'error') || f.programs.some((p) => p.findings.some((d) => d.severity === 'error'));
}

export function validateDriver(driver: string): { readonly id: string } | { readonly error: string } {
  if (!DRIVER_RE.test(driver)) return { error: `--driver '${driver}' is not a driver name (a kernel module name such as i40e or mlx5_core, or generic)` };
  const p = findDriver(driver);
  return p ? { id: p.id } : { error: unknownDriverMessage(driver) };
}

export function validateKernel(kernel: string): string | undefined {
  const m = KERNEL_RE.exec(kernel);
  if (!m) return `--kernel '${kernel}' must look like X.Y (for example 6.1)`;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  if (maj < FIRST_XDP_KERNEL[0] || (maj === FIRST_XDP_KERNEL[0] && min < FIRST_XDP_KERNEL[1])) {
    return `--kernel ${kernel} predates XDP (introduced in Linux ${FIRST_XDP_KERNEL.join('.')})`;
  }
  if (maj > 99 || min > 99) return `--kernel '${kernel}' is not a plausible kernel version`;
  return undefined;
}

function usage(io: CliIo, message: string): number {
  io.stderr(`xdp-check check: ${message}\nTry 'xdp-check check --help'.\n`);
  return ExitCode.USAGE;
}

function fail(io: CliIo, message: string): number {
  io.stderr(`xdp-check: ${message}\n`);
  return ExitCode.USAGE;
}
