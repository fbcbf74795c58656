// Findings -> LSP diagnostics. Each carries its stable code, a link to the code's documentation,
// related information (notes, where a value came from, the driver profile) and `data`: everything
// a code action needs, together with the uri and document version it was computed for, so a
// quick-fix can be rebuilt from the diagnostic alone and dropped when the document has moved on.
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type Diagnostic, type DiagnosticRelatedInformation } from 'vscode-languageserver';
import { codeDocUrl } from '../core/diagnostics/codes';
import { Range, type Finding, type Severity } from '../core/diagnostics/finding';
import type { FileReport } from '../core/report';
import { toLspRange, type LineText } from './positions';

/** One quick-fix carried by a diagnostic: 1-based ranges; `file` absent = the diagnostic's document. */
export interface FixData {
  readonly title: string;
  readonly edits: readonly { readonly file?: string; readonly range: Range; readonly newText: string }[];
}

export interface DiagnosticData {
  readonly uri: string;
  /** Document version the analysis ran on; code actions for any other version are dropped. */
  readonly version: number;
  readonly fixes: readonly FixData[];
  /** The finding's own data (capabilities, value ranges, suggested bounds, ...). */
  readonly finding?: Readonly<Record<string, unknown>>;
}

export interface DocContext {
  readonly uri: string;
  readonly version: number;
  readonly lineText?: LineText;
}

export const SOURCE = 'xdp';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** Every finding of a report that belongs to the document (header findings are shown at their #include). */
export function reportToDiagnostics(report: FileReport, ctx: DocContext): Diagnostic[] {
  const all = [...report.diagnostics, ...report.programs.flatMap((p) => p.findings)];
  return all.map((f) => findingToDiagnostic(f, ctx));
}

export function findingToDiagnostic(f: Finding, ctx: DocContext): Diagnostic {
  let range = f.range;
  let message = f.message;
  if (f.file !== undefined) {
    // A finding inside a header: shown on the line that includes it (when known), naming the header.
    const inc = f.data?.includedFrom as { line?: number } | undefined;
    range = Range.line(typeof inc?.line === 'number' ? inc.line : 1);
    message = `${basename(f.file)}:${f.range.start.line}:${f.range.start.column}: ${f.message}`;
  }
  const data: DiagnosticData = {
    uri: ctx.uri,
    version: ctx.version,
    fixes: fixesOf(f),
    ...(f.data ? { finding: withoutFixes(f.data) } : {}),
  };
  const related = (f.related ?? []).map((r): DiagnosticRelatedInformation => ({
    location: {
      uri: r.file === undefined ? ctx.uri : pathToFileURL(r.file).href,
      range: toLspRange(r.range, r.file === undefined ? ctx.lineText : undefined),
    },
    message: r.message,
  }));
  return {
    range: toLspRange(range, f.file === undefined ? ctx.lineText : undefined),
    severity: SEVERITY[f.severity],
    source: SOURCE,
    code: f.code,
    codeDescription: { href: codeDocUrl(f.code) },
    message,
    ...(related.length ? { relatedInformation: related } : {}),
    data,
  };
}

/** The one diagnostic a timed-out analysis leaves. */
export function timeoutDiagnostic(budgetMs: number, ctx: DocContext): Diagnostic {
  return findingToDiagnostic(
    {
      code: 'analysis/timeout',
      severity: 'warning',
      message: `analysis stopped after ${budgetMs} ms (the xdp.timeBudgetMs setting); results are from the last analysis that finished`,
      range: Range.line(1),
      data: { budgetMs },
    },
    ctx,
  );
}

/** A crashed or failed analysis: a diagnostic, while the server stays up. */
export function failedDiagnostic(error: string, ctx: DocContext): Diagnostic {
  const firstLine = error.split('\n')[0] ?? error;
  return findingToDiagnostic(
    { code: 'analysis/failed', severity: 'error', message: `analysis failed: ${firstLine}`, range: Range.line(1), data: { error } },
    ctx,
  );
}

/** Quick-fixes a finding carries: clang's fix-its (`data.fixits`) and the analyses' fixes (`data.fixes`). */
function fixesOf(f: Finding): FixData[] {
  const out: FixData[] = [];
  for (const key of ['fixits', 'fixes'] as const) {
    const v = f.data?.[key];
    if (!Array.isArray(v)) continue;
    for (const g of v) if (isFix(g)) out.push(g);
  }
  return out;
}

/** The finding's data without the fixes (they travel once, in `fixes`). */
function withoutFixes(data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { fixits: _a, fixes: _b, ...rest } = data;
  void _a;
  void _b;
  return rest;
}

function isFix(v: unknown): v is FixData {
  if (typeof v !== 'object' || v === null) return false;
  const g = v as { title?: unknown; edits?: unknown };
  return typeof g.title === 'string' && Array.isArray(g.edits) && g.edits.every((e) => typeof e === 'object' && e !== null && 'range' in e && typeof (e as { newText?: unknown }).newText === 'string');
}
