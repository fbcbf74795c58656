// SARIF 2.1.0 (OASIS, https://docs.oasis-open.org/sarif/sarif/v2.1.0/) for code-scanning UIs.
// Rules are our stable finding codes (codes.ts), in a fixed order so ruleIndex is stable.
// SARIF regions are 1-based with endColumn one past the last character, as our ranges are.
// Our columns count bytes (clang's and BTF line_info's unit); SARIF has no byte column kind, and
// for ASCII source, which C nearly always is, bytes and SARIF's default UTF-16 units agree.
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AllCodes, codeDocUrl } from '../core/diagnostics/codes';
import type { Finding, Range } from '../core/diagnostics/finding';
import type { CheckReport } from '../core/report';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

export function toSarif(report: CheckReport, opts: { cwd: string; toolVersion: string }): object {
  const codes = Object.keys(AllCodes);
  const extra = new Set<string>();
  const each = (fn: (f: Finding, path: string, program?: string) => void): void => {
    for (const file of report.files) {
      for (const f of file.diagnostics) fn(f, file.path);
      for (const p of file.programs) for (const f of p.findings) fn(f, file.path, p.name);
    }
  };
  each((f) => {
    if (!(f.code in AllCodes)) extra.add(f.code);
  });
  const ruleIds = [...codes, ...[...extra].sort()];
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const rules = ruleIds.map((id) => ({
    id,
    shortDescription: { text: AllCodes[id]?.summary ?? id },
    helpUri: codeDocUrl(id),
    defaultConfiguration: { level: defaultLevel(id) },
  }));

  const results: object[] = [];
  each((f, path, program) => {
    const uri = artifactUri(f.file ?? path, opts.cwd);
    results.push({
      ruleId: f.code,
      ruleIndex: ruleIndex.get(f.code),
      level: f.severity === 'info' ? 'note' : f.severity,
      message: { text: f.message },
      locations: [location(uri, f.range)],
      ...(f.related?.length
        ? { relatedLocations: f.related.map((r, i) => ({ id: i + 1, ...location(artifactUri(r.file ?? f.file ?? path, opts.cwd), r.range), message: { text: r.message } })) }
        : {}),
      properties: {
        ...(program === undefined ? {} : { program }),
        ...(f.insn === undefined ? {} : { insn: f.insn }),
        ...(f.data ? { data: f.data } : {}),
        target: report.target,
      },
    });
  });

  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'xdp-check',
            version: opts.toolVersion,
            informationUri: 'https://github.com/xdp-lens/xdp-lens',
            rules,
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(opts.cwd + sep).href } },
        results,
      },
    ],
  };
}

function location(uri: { uri: string; uriBaseId?: string }, r: Range): object {
  return {
    physicalLocation: {
      artifactLocation: uri,
      region: { startLine: r.start.line, startColumn: r.start.column, endLine: r.end.line, endColumn: r.end.column },
    },
  };
}

/** Relative to the working directory (SRCROOT) when under it, else an absolute file: URI. */
function artifactUri(path: string, cwd: string): { uri: string; uriBaseId?: string } {
  const abs = resolve(cwd, path);
  const rel = relative(cwd, abs);
  if (rel && !rel.startsWith('..') && !isAbsolute(rel)) return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: 'SRCROOT' };
  return { uri: pathToFileURL(abs).href };
}

function defaultLevel(code: string): 'error' | 'warning' | 'note' {
  if (code === 'clang/warning' || code === 'xdp/adjust-head-unbounded') return 'warning';
  if (code === 'clang/note' || code === 'xdp/portability-unchecked') return 'note';
  return 'error';
}
