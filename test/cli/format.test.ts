// The CLI's pure parts: argument parsing and the text, SARIF and matrix renderings of a report.
// Reports here are hand-built records in the v1 shape (the renderers' input), not analysis output.
import { describe, expect, it } from 'vitest';
import { AllCodes, codeDocUrl } from '../../server/src/core/diagnostics/codes';
import type { Finding } from '../../server/src/core/diagnostics/finding';
import type { CheckReport } from '../../server/src/core/report';
import { parseArgs, type OptionSpec } from '../../server/src/cli/args';
import { formatMatrix } from '../../server/src/cli/matrix';
import { toSarif } from '../../server/src/cli/sarif';
import { formatText } from '../../server/src/cli/textReport';

const SPECS: OptionSpec[] = [
  { name: 'driver', value: true, help: '' },
  { name: 'format', value: true, choices: ['text', 'json'], help: '' },
  { name: 'include-dir', short: 'I', value: true, repeat: true, help: '' },
  { name: 'define', short: 'D', value: true, repeat: true, help: '' },
  { name: 'matrix', help: '' },
];

describe('parseArgs', () => {
  it('takes --opt value, --opt=value, glued and separate short options, flags and --', () => {
    const r = parseArgs(['--driver', 'i40e', '-Iinc', '-I', 'x', '-DA=1', '--format=json', 'a.c', '--matrix', '--', '-weird.c'], SPECS);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.args.get('driver')).toBe('i40e');
    expect(r.args.all('include-dir')).toEqual(['inc', 'x']);
    expect(r.args.all('define')).toEqual(['A=1']);
    expect(r.args.get('format')).toBe('json');
    expect(r.args.has('matrix')).toBe(true);
    expect(r.args.positionals).toEqual(['a.c', '-weird.c']);
  });

  it('refuses unknown options, missing values, bad choices and values on flags', () => {
    const msg = (argv: string[]): string => {
      const r = parseArgs(argv, SPECS);
      return r.ok ? 'ok' : r.message;
    };
    expect(msg(['--nope'])).toBe("unknown option '--nope'");
    expect(msg(['--driver'])).toBe('--driver needs a value');
    expect(msg(['--format', 'xml'])).toBe("--format must be one of text, json (got 'xml')");
    expect(msg(['--matrix=1'])).toBe('--matrix takes no value');
    expect(msg(['-x'])).toBe("unknown option '-x'");
  });
});

const warn: Finding = {
  code: 'clang/warning',
  severity: 'warning',
  message: 'unused variable',
  range: { start: { line: 7, column: 6 }, end: { line: 7, column: 11 } },
  related: [{ message: 'declared here', range: { start: { line: 3, column: 2 }, end: { line: 3, column: 3 } } }],
};
const err: Finding = {
  code: 'xdp/return-invalid',
  severity: 'error',
  message: 'returns 7',
  range: { start: { line: 30, column: 3 }, end: { line: 30, column: 20 } },
  insn: 12,
  data: { values: [7] },
};
const headerErr: Finding = { ...err, code: 'clang/error', file: '/repo/inc/h.h', range: { start: { line: 2, column: 1 }, end: { line: 2, column: 4 } } };

const report: CheckReport = {
  version: 1,
  target: { driver: 'i40e', kernel: '6.1' },
  files: [
    {
      path: 'examples/a.c',
      diagnostics: [warn],
      programs: [
        {
          name: 'prog',
          section: 'xdp',
          insnCount: 27,
          verdict: 'accept',
          returnValues: { values: [1, 2, 7], min: 1, max: 7 },
          headroom: { push: null },
          requires: ['action:tx'],
          findings: [err],
        },
      ],
    },
    { path: '/repo/b.c', diagnostics: [headerErr], programs: [] },
  ],
};

describe('text report', () => {
  it('prints compiler-style lines, notes, a summary per program and a total', () => {
    expect(formatText(report, '/repo').split('\n')).toEqual([
      'examples/a.c:7:6: warning: unused variable [clang/warning]',
      'examples/a.c:3:2: note: declared here',
      'examples/a.c:30:3: error: returns 7 [xdp/return-invalid]',
      'examples/a.c: program prog: xdp, 27 insns; verifier: accept; returns {XDP_DROP, XDP_PASS, 7}; push unbounded; requires action:tx',
      'inc/h.h:2:1: error: returns 7 [clang/error]',
      '2 errors, 1 warning in 2 files (driver i40e, kernel 6.1)',
      '',
    ]);
  });

  it('says when no driver was selected', () => {
    const out = formatText({ version: 1, target: { driver: null, kernel: null }, files: [] }, '/');
    expect(out).toBe('0 errors, 0 warnings in 0 files (no driver selected: portability not checked)\n');
  });
});

describe('SARIF', () => {
  it('is SARIF 2.1.0 with every finding code as a rule and results pointing at 1-based regions', () => {
    const s = toSarif(report, { cwd: '/repo', toolVersion: '9.9.9' }) as {
      version: string;
      $schema: string;
      runs: { tool: { driver: { name: string; version: string; rules: { id: string; helpUri: string }[] } }; results: Record<string, unknown>[] }[];
    };
    expect(s.version).toBe('2.1.0');
    expect(s.$schema).toMatch(/sarif-2\.1\.0/);
    const run = s.runs[0]!;
    expect(run.tool.driver.name).toBe('xdp-check');
    expect(run.tool.driver.version).toBe('9.9.9');
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(Object.keys(AllCodes));
    expect(run.tool.driver.rules[0]!.helpUri).toBe(codeDocUrl('bpf/pkt-bounds'));
    expect(run.results).toHaveLength(3);
    const [w, e, h] = run.results as any[];
    expect(w.level).toBe('warning');
    expect(w.ruleIndex).toBe(Object.keys(AllCodes).indexOf('clang/warning'));
    expect(w.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'examples/a.c', uriBaseId: 'SRCROOT' },
      region: { startLine: 7, startColumn: 6, endLine: 7, endColumn: 11 },
    });
    expect(w.relatedLocations[0].message.text).toBe('declared here');
    expect(e.properties).toMatchObject({ program: 'prog', insn: 12, data: { values: [7] } });
    expect(h.locations[0].physicalLocation.artifactLocation).toEqual({ uri: 'inc/h.h', uriBaseId: 'SRCROOT' });
  });
});

describe('matrix', () => {
  it('marks ✔ where a driver has no error finding and lists the reason for each ✘', () => {
    const ok = { path: 'a.c', diagnostics: [], programs: [{ name: 'p', section: 'xdp', insnCount: 3, findings: [] }] };
    const bad = { ...ok, programs: [{ ...ok.programs[0]!, findings: [err] }] };
    const out = formatMatrix(
      [
        { path: 'a.c', driver: 'i40e', report: ok },
        { path: 'a.c', driver: 'ixgbevf', report: bad },
      ],
      ['i40e', 'ixgbevf'],
    );
    expect(out.split('\n')).toEqual(['program  i40e  ixgbevf', 'a.c:p    ✔     ✘      ', '', '✘ a.c:p on ixgbevf: returns 7 [xdp/return-invalid]', '']);
  });
});
