// The compiler-style text form of a check report: one `file:line:col: severity: message [code]`
// line per finding (notes below it), a summary line per program, and a total.
import { isAbsolute, relative } from 'node:path';
import type { Finding } from '../core/diagnostics/finding';
import type { CheckReport, FileReport, ProgramReport } from '../core/report';

export function formatText(report: CheckReport, cwd: string): string {
  const out: string[] = [];
  let errors = 0;
  let warnings = 0;
  const count = (f: Finding): void => {
    if (f.severity === 'error') errors++;
    else if (f.severity === 'warning') warnings++;
  };
  for (const file of report.files) {
    for (const f of sortFindings(file.diagnostics)) {
      count(f);
      out.push(...findingLines(f, file.path, cwd));
    }
    for (const p of file.programs) {
      for (const f of sortFindings(p.findings)) {
        count(f);
        out.push(...findingLines(f, file.path, cwd));
      }
      out.push(programSummary(file, p));
    }
  }
  const target = report.target.driver ? `driver ${report.target.driver}` : 'no driver selected: portability not checked';
  const kernel = report.target.kernel ? `, kernel ${report.target.kernel}` : '';
  out.push(`${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(report.files.length, 'file')} (${target}${kernel})`);
  return out.join('\n') + '\n';
}

export function findingLines(f: Finding, filePath: string, cwd: string): string[] {
  const where = (file: string | undefined, line: number, col: number): string => `${display(file ?? filePath, cwd)}:${line}:${col}`;
  const lines = [`${where(f.file, f.range.start.line, f.range.start.column)}: ${f.severity}: ${f.message} [${f.code}]`];
  for (const r of f.related ?? []) lines.push(`${where(r.file ?? f.file, r.range.start.line, r.range.start.column)}: note: ${r.message}`);
  return lines;
}

export function programSummary(file: FileReport, p: ProgramReport): string {
  const parts = [`${p.section}, ${plural(p.insnCount, 'insn')}`];
  if (p.verdict) parts.push(p.verdict === 'accept' ? 'verifier: accept' : p.verdict === 'reject' ? 'verifier: REJECT' : 'verifier: error');
  if (p.stats) parts.push(`${p.stats.processedInsns} insns processed, ${p.stats.peakStates} peak states, ${p.stats.verifyMs} ms`);
  if (p.returnValues) {
    const rv = p.returnValues;
    parts.push(rv.values ? `returns {${rv.values.map(actionName).join(', ')}}` : `returns ${rv.min}..${rv.max}`);
  }
  if (p.headroom) parts.push(p.headroom.push === null ? 'push unbounded' : `push ≤ ${p.headroom.push} B`);
  if (p.requires?.length) parts.push(`requires ${p.requires.join(', ')}`);
  return `${file.path}: program ${p.name}: ${parts.join('; ')}`;
}

const ACTIONS = ['XDP_ABORTED', 'XDP_DROP', 'XDP_PASS', 'XDP_TX', 'XDP_REDIRECT'];

function actionName(v: number): string {
  return ACTIONS[v] ?? String(v);
}

function sortFindings(fs: readonly Finding[]): Finding[] {
  return [...fs].sort(
    (a, b) => (a.file ?? '').localeCompare(b.file ?? '') || a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column,
  );
}

/** Paths under the working directory are shown relative to it, like a compiler does. */
export function display(path: string, cwd: string): string {
  if (!isAbsolute(path)) return path;
  const r = relative(cwd, path);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : path;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
