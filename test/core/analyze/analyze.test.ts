// The pipeline every front end uses: the bundled examples give the findings they were written to
// show, and bad input, cancellation and an unknown driver are values, not crashes.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AnalysisCancelled, analyzeObject, analyzeObjectDetail, hasReturnCodeFindings, placeReturnCodeFindings } from '../../../server/src/core/analyze';
import { readFileSync } from 'node:fs';
import { compile } from '../../../server/src/toolchain';
import { sourceReturns } from '../../../server/src/toolchain/returns';

const ROOT = join(__dirname, '..', '..', '..');
const examples: Record<string, Uint8Array> = {};

beforeAll(async () => {
  for (const name of ['xdp_parse_clean', 'xdp_adjust_head_unbounded', 'xdp_invalid_action', 'xdp_verifier_reject']) {
    const r = await compile({ file: join(ROOT, 'examples', `${name}.c`) });
    if (!r.ok || !r.object) throw new Error(`${name}: ${r.problems.map((p) => p.message).join('; ')}`);
    examples[name] = r.object;
  }
});

const codes = (bytes: Uint8Array, driver: string | null = 'i40e'): string[] => {
  const report = analyzeObject(bytes, { path: 'x.c', driver, kernel: null });
  return [...report.diagnostics, ...report.programs.flatMap((p) => p.findings)].map((f) => f.code);
};

describe('analyzeObject on the bundled examples', () => {
  it('a clean parser: accepted, no findings, returns only DROP and PASS', () => {
    const report = analyzeObject(examples.xdp_parse_clean!, { path: 'x.c', driver: 'i40e', kernel: null });
    expect(report.programs).toHaveLength(1);
    const p = report.programs[0]!;
    expect(p.verdict).toBe('accept');
    expect(p.findings).toEqual([]);
    expect(p.returnValues).toEqual({ values: [1, 2], min: 1, max: 2 });
    expect(p.stats!.processedInsns).toBeGreaterThan(p.insnCount / 2);
    // Its helpers predate XDP; XDP itself (4.8) is the floor.
    expect(p.requires).toContain('kernel>=4.8');
  });

  it('an unbounded adjust_head push is a warning that names the bound i40e needs', () => {
    const report = analyzeObject(examples.xdp_adjust_head_unbounded!, { path: 'x.c', driver: 'i40e', kernel: null });
    const f = report.programs[0]!.findings.find((x) => x.code === 'xdp/adjust-head-unbounded');
    expect(f?.severity).toBe('warning');
    expect(f?.message).toMatch(/152/); // 192 bytes of i40e headroom - 40 for struct xdp_frame
    expect(report.programs[0]!.headroom).toEqual({ push: null, pull: null });
  });

  it('with the C source\'s return statements, the invalid action sits on the `return` producing it', async () => {
    const file = join(ROOT, 'examples', 'xdp_invalid_action.c');
    const returns = await sourceReturns({ file });
    expect(returns?.length).toBe(5);
    const report = analyzeObject(examples.xdp_invalid_action!, { path: 'x.c', driver: null, kernel: null, returns: returns! });
    const f = report.programs[0]!.findings.find((x) => x.code === 'xdp/return-invalid')!;
    const line = readFileSync(file, 'utf8').split('\n')[f.range.start.line - 1]!;
    expect(line.slice(f.range.start.column - 1, f.range.end.column - 1)).toBe('return XDP_BOUNCE');
    // Placing them after the analysis (the worker and the CLI read the AST only when such
    // findings exist) gives the same report.
    const detail = analyzeObjectDetail(examples.xdp_invalid_action!, { path: 'x.c', driver: null, kernel: null });
    expect(hasReturnCodeFindings(detail)).toBe(true);
    expect(placeReturnCodeFindings(detail, returns!)).toEqual({ ...report, programs: report.programs.map((p) => ({ ...p, stats: expect.anything() })) });
  });

  it('a clean program has no return-code findings to place', () => {
    const detail = analyzeObjectDetail(examples.xdp_parse_clean!, { path: 'x.c', driver: null, kernel: null });
    expect(hasReturnCodeFindings(detail)).toBe(false);
  });

  it('an invalid action is an error naming the value', () => {
    const report = analyzeObject(examples.xdp_invalid_action!, { path: 'x.c', driver: null, kernel: null });
    const f = report.programs[0]!.findings.find((x) => x.code === 'xdp/return-invalid')!;
    expect(f.severity).toBe('error');
    expect(f.message).toMatch(/returns 7/);
    expect(report.programs[0]!.returnValues!.values).toContain(7);
  });

  it('a packet read past the proven range is a verifier rejection in the kernel\'s words', () => {
    const report = analyzeObject(examples.xdp_verifier_reject!, { path: 'x.c', driver: null, kernel: null });
    const p = report.programs[0]!;
    expect(p.verdict).toBe('reject');
    expect(p.findings[0]).toMatchObject({ code: 'bpf/pkt-bounds', severity: 'error' });
    expect(p.findings[0]!.message).toMatch(/^invalid access to packet, off=\d+ size=\d+/);
  });

  it('without a driver, says once that portability was not checked', () => {
    expect(codes(examples.xdp_parse_clean!, null).filter((c) => c === 'xdp/portability-unchecked')).toHaveLength(1);
    expect(codes(examples.xdp_parse_clean!, 'i40e')).not.toContain('xdp/portability-unchecked');
  });
});

describe('analyzeObject on device-bound programs', () => {
  it('verifies a metadata-kfunc program as device-bound and leaves the driver check to the XDP analyses', async () => {
    const r = await compile({ file: join(ROOT, 'test', 'fixtures', 'xdp', 'kfuncs.c') });
    expect(r.ok).toBe(true);
    const on = (driver: string) => analyzeObject(r.object!, { path: 'k.c', driver, kernel: null }).programs.find((p) => p.name === 'rx_ts')!;
    const mlx5 = on('mlx5_core');
    expect(mlx5.verdict).toBe('accept');
    expect(mlx5.requires).toContain('dev-bound');
    expect(mlx5.findings.filter((f) => f.severity === 'error')).toEqual([]);
    const i40e = on('i40e');
    expect(i40e.verdict).toBe('accept');
    expect(i40e.findings.map((f) => f.code)).toEqual(['xdp/capability-missing']);
  });
});

describe('analyzeObject on bad input', () => {
  it('a truncated object is one load error naming the stage and offset', () => {
    const bytes = examples.xdp_parse_clean!.subarray(0, 200);
    const report = analyzeObject(bytes, { path: 'x.o', driver: null, kernel: null });
    expect(report.programs).toEqual([]);
    expect(report.diagnostics).toHaveLength(1);
    expect(report.diagnostics[0]).toMatchObject({ code: 'load/elf', severity: 'error' });
    expect(report.diagnostics[0]!.message).toMatch(/^elf: .*offset \d+/);
  });

  it('bytes that are not ELF at all are a load error, not an exception', () => {
    const report = analyzeObject(new TextEncoder().encode('int main(void) { return 0; }\n'), { path: 'x.o', driver: null, kernel: null });
    expect(report.diagnostics.map((d) => d.code)).toEqual(['load/elf']);
  });

  it('an unknown driver or malformed kernel is a warning, and the analysis still runs', () => {
    const report = analyzeObject(examples.xdp_parse_clean!, { path: 'x.c', driver: 'nosuchdrv', kernel: 'six' });
    expect(report.diagnostics.map((d) => d.message).join('\n')).toMatch(/unknown driver 'nosuchdrv'[\s\S]*kernel 'six'/);
    expect(report.programs[0]!.verdict).toBe('accept');
  });

  it('a raised cancel flag stops the analysis with AnalysisCancelled', () => {
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(cancel, 0, 1);
    expect(() => analyzeObject(examples.xdp_parse_clean!, { path: 'x.c', driver: null, kernel: null, cancel })).toThrow(AnalysisCancelled);
  });

  it('keeps the verifier state for hovers alongside the report', () => {
    const detail = analyzeObjectDetail(examples.xdp_parse_clean!, { path: 'x.c', driver: null, kernel: null });
    const vr = detail.programs[0]!.verify!;
    expect(vr.states.filter((s) => s !== undefined).length).toBeGreaterThan(10);
    expect(vr.exits.length).toBeGreaterThan(0);
  });

  it('a kfunc the target kernel lacks is one finding on the call: the verifier refuses it, the XDP layer does not repeat it', async () => {
    const file = join(ROOT, 'test', 'fixtures', 'verifier-unchecked', 'flow_lookup.c');
    const r = await compile({ file, includeDirs: [join(ROOT, 'test', 'fixtures', 'verifier')] });
    if (!r.ok || !r.object) throw new Error(r.problems.map((p) => p.message).join('; '));
    const report = analyzeObject(r.object, { path: file, driver: null, kernel: '6.10' });
    const p = report.programs.find((x) => x.name === 'flow_lookup_ok')!;
    expect(p.verdict).toBe('reject');
    const about = p.findings.filter((f) => f.message.includes('bpf_xdp_flow_lookup'));
    expect(about.map((f) => f.code)).toEqual(['bpf/helper-unavailable']);
    // on 6.11, where it exists, neither
    const now = analyzeObject(r.object, { path: file, driver: null, kernel: '6.11' }).programs.find((x) => x.name === 'flow_lookup_ok')!;
    expect(now.verdict).toBe('accept');
    expect(now.findings.filter((f) => f.message.includes('bpf_xdp_flow_lookup'))).toEqual([]);
  });
});
