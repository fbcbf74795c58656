// `xdp-check check --matrix`: program × driver, ✔ when the program has no error-severity finding
// for that driver, ✘ otherwise, with the reason for every ✘ listed under the table.
import type { Finding } from '../core/diagnostics/finding';
import type { FileReport } from '../core/report';

export interface MatrixRow {
  readonly path: string;
  readonly driver: string;
  readonly report: FileReport;
}

export function formatMatrix(rows: readonly MatrixRow[], drivers: readonly string[]): string {
  // One line per (file, program); a file that did not compile or load is one line of its own.
  const lines = new Map<string, Map<string, Finding[]>>();
  const order: string[] = [];
  const cell = (label: string, driver: string, errors: Finding[]): void => {
    if (!lines.has(label)) {
      lines.set(label, new Map());
      order.push(label);
    }
    lines.get(label)!.set(driver, errors);
  };
  for (const r of rows) {
    const fileErrors = r.report.diagnostics.filter((d) => d.severity === 'error');
    if (r.report.programs.length === 0) cell(r.path, r.driver, fileErrors.length ? fileErrors : []);
    for (const p of r.report.programs) cell(`${r.path}:${p.name}`, r.driver, [...fileErrors, ...p.findings.filter((f) => f.severity === 'error')]);
  }
  const w = Math.max('program'.length, ...order.map((l) => l.length));
  const cols = drivers.map((d) => Math.max(d.length, 1));
  const out = [`${'program'.padEnd(w)}  ${drivers.map((d, i) => d.padEnd(cols[i]!)).join('  ')}`];
  const reasons: string[] = [];
  for (const label of order) {
    const m = lines.get(label)!;
    // The same reason on several drivers is listed once, with the drivers it applies to.
    const byReason = new Map<string, string[]>();
    const cells = drivers.map((d, i) => {
      const errs = m.get(d);
      if (errs === undefined) return '-'.padEnd(cols[i]!);
      if (errs.length === 0) return '✔'.padEnd(cols[i]!);
      for (const e of errs) {
        const key = `${e.message} [${e.code}]`;
        byReason.set(key, [...(byReason.get(key) ?? []), d]);
      }
      return '✘'.padEnd(cols[i]!);
    });
    out.push(`${label.padEnd(w)}  ${cells.join('  ')}`);
    for (const [reason, ds] of byReason) {
      const others = drivers.filter((d) => !ds.includes(d));
      const on =
        drivers.length > 2 && others.length === 0
          ? `all ${ds.length} drivers`
          : drivers.length > 2 && ds.length > drivers.length / 2
            ? `${ds.length} of ${drivers.length} drivers (all but ${others.join(', ')})`
            : ds.join(', ');
      reasons.push(`✘ ${label} on ${on}: ${reason}`);
    }
  }
  return [...out, ...(reasons.length ? ['', ...reasons] : [])].join('\n') + '\n';
}
