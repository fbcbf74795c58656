// Attaches AST-based quick-fixes to the findings that have a builder. Runs in the worker after
// the analysis, only when such findings exist: one filtered clang AST dump per function name the
// object defines, until the finding's function is found.
import { readFileSync } from 'node:fs';
import type { Finding } from '../../core/diagnostics/finding';
import type { FileReport } from '../../core/report';
import { dumpAst, type AstNode } from '../../toolchain/ast';
import { FIX_BUILDERS } from './builders';
import { CSource, functionAt } from './cSource';

export interface FixRequest {
  readonly file: string;
  readonly text?: string;
  readonly clangPath: string | null;
  readonly clangArgs: readonly string[];
  /** Function names defined by the object (programs and their subprograms). */
  readonly functionNames: readonly string[];
  readonly cancel: Int32Array;
}

export async function attachFixes(report: FileReport, req: FixRequest): Promise<FileReport> {
  const fixable = (f: Finding): boolean => f.file === undefined && FIX_BUILDERS[f.code] !== undefined;
  const wanted = [...report.diagnostics, ...report.programs.flatMap((p) => p.findings)].filter(fixable);
  if (wanted.length === 0) return report;
  let text = req.text;
  if (text === undefined) {
    try {
      text = readFileSync(req.file, 'utf8');
    } catch {
      return report;
    }
  }
  const decls: AstNode[] = [];
  let src: CSource | undefined;
  const covered = (f: Finding): boolean => !!src && functionAt(decls, src, src.offsetOf(f.range.start)) !== undefined;
  for (const name of req.functionNames) {
    if (Atomics.load(req.cancel, 0) !== 0) return report;
    if (src && wanted.every(covered)) break;
    const ast = await dumpAst({
      file: req.file,
      ...(req.text === undefined ? {} : { text: req.text }),
      filter: name,
      args: req.clangArgs,
      ...(req.clangPath ? { clangPath: req.clangPath } : {}),
    });
    if (!ast.ok) continue;
    src ??= new CSource(text, ast.mainFile);
    decls.push(...ast.decls);
  }
  if (!src) return report;
  const s = src;
  const withFixes = (f: Finding): Finding => {
    if (!fixable(f)) return f;
    const fixes = FIX_BUILDERS[f.code]!({ finding: f, decls, src: s });
    return fixes.length ? { ...f, data: { ...(f.data ?? {}), fixes } } : f;
  };
  return {
    ...report,
    diagnostics: report.diagnostics.map(withFixes),
    programs: report.programs.map((p) => ({ ...p, findings: p.findings.map(withFixes) })),
  };
}
