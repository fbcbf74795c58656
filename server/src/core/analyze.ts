// The pure pipeline after compilation: object bytes -> load -> verify each program -> XDP
// analyses for the selected driver and kernel -> one FileReport (core/report.ts). The CLI and
// the language server's worker both call this; neither re-implements any stage.

import { returnFor, type ReturnStmtInfo } from './csource/returns';
import { Range, type Finding } from './diagnostics/finding';
import { findDriver, KernelVersion } from './drivers/index';
import { loadObject } from './loader/index';
import { ProgType, type LoadedObject, type Program } from './program';
import type { FileReport, ProgramReport } from './report';
import { Result, type StageError } from './result';
import { verify } from './verifier/index';
import type { VerifyResult } from './verifier/result';
import { analyzeXdp, type XdpAnalysis, type XdpTarget } from './xdp/index';

export interface AnalyzeOptions {
  /** The path reported for the file (and the file findings refer to when they name none). */
  readonly path: string;
  /** Driver id (kernel module name, `generic`, `nfp-offload`), or null for driver-independent checks. */
  readonly driver: string | null;
  /** Target kernel "X.Y", or null for the reference kernel the verifier models (6.18). */
  readonly kernel: string | null;
  /** Shared flag: when element 0 becomes non-zero the analysis stops with AnalysisCancelled. */
  readonly cancel?: Int32Array;
  /** Override the program type of sections whose name libbpf does not recognise (e.g. 6 for XDP). */
  readonly progTypeOverride?: number;
  /** The C file's return statements (toolchain/returns.ts), to put return-code findings on them. */
  readonly returns?: readonly ReturnStmtInfo[];
}

/** Thrown (not returned) when the caller raised the cancel flag: a distinct outcome, not a failure. */
export class AnalysisCancelled extends Error {
  constructor() {
    super('analysis cancelled');
  }
}

/** Everything one analysis produced, for consumers that need more than the report (hovers, fixes). */
export interface ProgramAnalysis {
  readonly program: Program;
  readonly verify?: VerifyResult;
  readonly xdp?: XdpAnalysis;
}

export interface ObjectAnalysis {
  readonly report: FileReport;
  readonly object?: LoadedObject;
  readonly programs: readonly ProgramAnalysis[];
}

const LOAD_CODE: Readonly<Record<StageError['stage'], string>> = {
  elf: 'load/elf',
  btf: 'load/btf',
  'btf.ext': 'load/btf',
  isa: 'load/program',
  relo: 'load/program',
  maps: 'load/program',
  programs: 'load/program',
};

function fileFinding(code: string, severity: Finding['severity'], message: string, data?: Record<string, unknown>): Finding {
  return { code, severity, message, range: Range.line(1), ...(data ? { data } : {}) };
}

function checkCancel(cancel: Int32Array | undefined): void {
  if (cancel !== undefined && Atomics.load(cancel, 0) !== 0) throw new AnalysisCancelled();
}

function countInsns(p: Program): number {
  let n = 0;
  for (const i of p.insns) if (!i.tail) n++;
  return n;
}

/** Resolves the selected target; an unknown driver or malformed kernel becomes a finding, not a throw. */
function resolveTarget(opts: AnalyzeOptions, diagnostics: Finding[]): XdpTarget {
  const target: { -readonly [K in keyof XdpTarget]: XdpTarget[K] } = {};
  if (opts.driver !== null) {
    const driver = findDriver(opts.driver);
    if (driver) target.driver = driver;
    else diagnostics.push(fileFinding('xdp/portability-unchecked', 'warning', `unknown driver '${opts.driver}': driver-dependent checks were not run (xdp-check drivers lists the known ones)`));
  }
  if (opts.kernel !== null) {
    const kernel = KernelVersion.parse(opts.kernel);
    if (kernel) target.kernel = kernel;
    else diagnostics.push(fileFinding('xdp/portability-unchecked', 'warning', `kernel '${opts.kernel}' is not a version like 6.1: kernel-dependent checks were not run`));
  }
  return target;
}

export function analyzeObjectDetail(bytes: Uint8Array, opts: AnalyzeOptions): ObjectAnalysis {
  const diagnostics: Finding[] = [];
  const loaded = loadObject(bytes, opts.progTypeOverride === undefined ? {} : { progTypeOverride: opts.progTypeOverride });
  if (!loaded.ok) {
    const e = loaded.error;
    diagnostics.push(fileFinding(LOAD_CODE[e.stage], 'error', Result.format(e), { stage: e.stage, offset: e.offset, where: e.where }));
    return { report: { path: opts.path, diagnostics, programs: [] }, programs: [] };
  }
  const obj = loaded.value;
  for (const w of obj.warnings) diagnostics.push(fileFinding('load/program', 'info', w));
  const target = resolveTarget(opts, diagnostics);
  const kernel = target.kernel ? KernelVersion.format(target.kernel) : undefined;

  const programs: ProgramAnalysis[] = [];
  const reports: ProgramReport[] = [];
  for (const program of obj.programs) {
    checkCancel(opts.cancel);
    const base = { name: program.name, section: program.section, insnCount: countInsns(program) };
    if (program.progType !== ProgType.XDP) {
      // Only XDP programs are modelled; say so instead of guessing a verdict.
      reports.push({ ...base, findings: [{ ...fileFinding('bpf/other', 'info', `${program.name}: section '${program.section}' is not an XDP program; it was loaded but not verified`) }] });
      programs.push({ program });
      continue;
    }
    // A program calling the XDP metadata kfuncs can only ever load device-bound (BPF_F_XDP_DEV_BOUND_ONLY
    // and an ifindex at load time), so it is verified as such; `requires` then lists dev-bound.
    const devBound = program.kfuncs.some((k) => k.name.startsWith('bpf_xdp_metadata_'));
    const vr = verify(program, obj, { ...(kernel ? { kernel } : {}), ...(opts.cancel ? { cancel: opts.cancel } : {}), ...(devBound ? { devBound } : {}) });
    checkCancel(opts.cancel);
    const xdp = analyzeXdp(program, obj, vr, target);
    programs.push({ program, verify: vr, xdp });
    reports.push({
      ...base,
      verdict: vr.verdict,
      stats: { processedInsns: vr.stats.processedInsns, peakStates: vr.stats.peakStates, verifyMs: round(vr.stats.verifyMs) },
      ...(xdp.returnValues ? { returnValues: xdp.returnValues } : {}),
      ...(xdp.headroom ? { headroom: xdp.headroom } : {}),
      requires: xdp.requires,
      findings: [...vr.findings, ...placeOnReturns(program, xdp.findings, opts.returns)],
    });
  }
  return { report: { path: opts.path, diagnostics, programs: reports }, object: obj, programs };
}

/** Whether any program's findings include a return-code finding that the C source could place. */
export function hasReturnCodeFindings(analysis: ObjectAnalysis): boolean {
  return analysis.report.programs.some((p) => p.findings.some((f) => RETURN_CODES.has(f.code)));
}

/**
 * The report with return-code findings moved onto their `return` statements, for callers that
 * analysed first and read the source's return statements only once such findings exist (the
 * language server's worker: clang's AST then costs nothing on the common save).
 */
export function placeReturnCodeFindings(analysis: ObjectAnalysis, returns: readonly ReturnStmtInfo[]): FileReport {
  const byName = new Map(analysis.programs.map((p) => [p.program.name, p.program]));
  return {
    ...analysis.report,
    programs: analysis.report.programs.map((r) => {
      const program = byName.get(r.name);
      return program ? { ...r, findings: placeOnReturns(program, r.findings, returns) } : r;
    }),
  };
}

/** The version-1 report for one object. Throws AnalysisCancelled when `cancel` is raised. */
export function analyzeObject(bytes: Uint8Array, opts: AnalyzeOptions): FileReport {
  return analyzeObjectDetail(bytes, opts).report;
}

const RETURN_CODES = new Set(['xdp/return-invalid', 'xdp/return-unsupported']);

/**
 * Moves return-code findings onto the `return` statement producing their value. Optimised code
 * often materialises the constant under the branch before the return (and line_info names that
 * line), so the defining instruction's line alone can point at an `if`. The statement chosen
 * returns exactly that constant, at or after the definition's line.
 */
function placeOnReturns(program: Program, findings: readonly Finding[], returns: readonly ReturnStmtInfo[] | undefined): Finding[] {
  if (!returns || returns.length === 0) return [...findings];
  return findings.map((f) => {
    if (!RETURN_CODES.has(f.code) || f.insn === undefined) return f;
    const def = typeof f.data?.definedAt === 'number' ? f.data.definedAt : f.insn;
    const defLine = lineAt(program, def);
    if (defLine === undefined) return f;
    const values = Array.isArray(f.data?.values) ? (f.data.values as number[]) : typeof f.data?.value === 'number' ? [f.data.value] : [];
    for (const v of values) {
      const r = returnFor(returns, defLine, v);
      if (r) return { ...f, range: { start: { line: r.line, column: r.column }, end: { line: r.endLine, column: r.endColumn } } };
    }
    return f;
  });
}

/** The C line of a slot, carrying the last line forward over slots without line_info. */
function lineAt(program: Program, slot: number): number | undefined {
  for (let s = Math.min(slot, program.lines.length - 1); s >= 0; s--) {
    const l = program.lines[s];
    if (l) return l.line;
  }
  return undefined;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
