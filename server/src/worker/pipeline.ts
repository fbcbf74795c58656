// One analysis, as the worker runs it: compile (clang, unsaved text via stdin) -> analyse the
// object (load, verify, XDP analyses in the core). The cancel flag is polled between stages and
// passed into the core, which polls it while it works. Clang's diagnostics are kept next to the
// analysis' findings: warnings from a successful compile are still worth showing.
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Finding } from '../core/diagnostics/finding';
import type { FileReport } from '../core/report';
import type { ReturnStmtInfo } from '../core/csource/returns';
import { compile } from '../toolchain';
import { sourceReturns } from '../toolchain/returns';
import type { AnalysisResult, AnalyzeJob, AnalyzeReply } from './messages';
import { attachFixes } from './fixes';
import { findTestHook, runTestHook } from './testHooks';

/** Analyses an object once it compiled: the report and the names of the functions the object defines. */
export type AnalyzeStage = (
  object: Uint8Array,
  opts: { path: string; driver: string | null; kernel: string | null; cancel: Int32Array },
) => {
  report: FileReport;
  functionNames: readonly string[];
  lineStates?: AnalysisResult['lineStates'];
  /** Present when the report has return-code findings: the report with them on their `return` statements. */
  placeReturns?: (returns: readonly ReturnStmtInfo[]) => FileReport;
};

/** Thrown by an AnalyzeStage when the cancel flag was raised. */
export class StageCancelled extends Error {}

export async function runAnalyzeJob(job: AnalyzeJob, analyze: AnalyzeStage | undefined): Promise<AnalyzeReply | 'crashing'> {
  const t0 = performance.now();
  const ms = (): number => Math.round(performance.now() - t0);
  const cancel = new Int32Array(job.cancel);
  const cancelled = (): AnalyzeReply => ({ id: job.id, tag: 'cancelled', ms: ms() });

  const hook = findTestHook(job.file, job.text);
  if (hook) {
    const r = runTestHook(hook, cancel);
    if (r === 'crashing') return 'crashing';
    if (r === 'cancelled') return cancelled();
  }
  if (Atomics.load(cancel, 0) !== 0) return cancelled();

  const source = {
    file: job.file,
    ...(job.text === undefined ? {} : { text: job.text }),
    args: job.target.clangArgs,
    ...(job.target.clangPath === null ? {} : { clangPath: job.target.clangPath }),
    timeoutMs: job.timeBudgetMs,
  };
  const compiled = await compile(source);
  if (Atomics.load(cancel, 0) !== 0) return cancelled();
  const compileMs = compiled.ms;
  const clang = compiled.clang?.text;
  if (!compiled.ok || !compiled.object) {
    const report: FileReport = { path: job.file, diagnostics: compiled.problems, programs: [] };
    return { id: job.id, tag: 'ok', ms: ms(), result: { report, compileMs, analyzeMs: 0, ...(clang ? { clang } : {}) } };
  }

  const a0 = performance.now();
  let report: FileReport;
  let lineStates: AnalysisResult['lineStates'];
  if (analyze) {
    let analysed: ReturnType<AnalyzeStage>;
    try {
      analysed = analyze(compiled.object, { path: job.file, driver: job.target.driver, kernel: job.target.kernel, cancel });
    } catch (e) {
      if (e instanceof StageCancelled) return cancelled();
      throw e;
    }
    if (Atomics.load(cancel, 0) !== 0) return cancelled();
    lineStates = analysed.lineStates;
    let placed = analysed.report;
    // Return-code findings go on their `return` statements, read from clang's AST. The dump is
    // made only when such findings exist: beside the compile or the analysis it would slow both
    // by ~45% on a two-core machine (measured), and most saves have no such finding.
    if (analysed.placeReturns) {
      const returns = await sourceReturns(source);
      if (Atomics.load(cancel, 0) !== 0) return cancelled();
      if (returns) placed = analysed.placeReturns(returns);
    }
    report = await attachFixes(ownFileImplicit(placed, job.file), {
      file: job.file,
      ...(job.text === undefined ? {} : { text: job.text }),
      clangPath: job.target.clangPath,
      clangArgs: job.target.clangArgs,
      functionNames: analysed.functionNames,
      cancel,
    });
    if (Atomics.load(cancel, 0) !== 0) return cancelled();
    report = withClangProblems(report, compiled.problems);
  } else {
    report = { path: job.file, diagnostics: compiled.problems, programs: [] };
  }
  const analyzeMs = Math.round(performance.now() - a0);
  return {
    id: job.id,
    tag: 'ok',
    ms: ms(),
    result: { report, object: compiled.object, compileMs, analyzeMs, ...(clang ? { clang } : {}), ...(lineStates ? { lineStates } : {}) },
  };
}

function withClangProblems(report: FileReport, problems: readonly Finding[]): FileReport {
  if (problems.length === 0) return report;
  return { ...report, diagnostics: [...problems, ...report.diagnostics] };
}

/**
 * Findings name their file from BTF line info (the absolute path clang was given); the contract
 * says a finding about the checked file carries no `file`. Normalising here lets the LSP layer
 * and the fix builders treat "this document" one way.
 */
function ownFileImplicit(report: FileReport, file: string): FileReport {
  const own = resolve(file);
  const fix = (f: Finding): Finding => {
    const related = f.related?.map((r) => (r.file !== undefined && resolve(r.file) === own ? withoutFile(r) : r));
    const base = f.file !== undefined && resolve(f.file) === own ? withoutFile(f) : f;
    return related ? { ...base, related } : base;
  };
  return { ...report, diagnostics: report.diagnostics.map(fix), programs: report.programs.map((p) => ({ ...p, findings: p.findings.map(fix) })) };
}

function withoutFile<T extends { readonly file?: string }>(x: T): T {
  const { file: _drop, ...rest } = x;
  void _drop;
  return rest as T;
}
