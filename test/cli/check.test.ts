// `xdp-check` end to end: in-process through CliIo (dispatcher, check's options, exit statuses,
// the three output formats on the bundled examples), and once over the built bin.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../server/src/cli/dispatch';
import type { CliIo } from '../../server/src/cli/io';
import type { CheckReport } from '../../server/src/core/report';
import { compile } from '../../server/src/toolchain';

const ROOT = join(__dirname, '..', '..');
const EXAMPLES = ['xdp_adjust_head_unbounded.c', 'xdp_invalid_action.c', 'xdp_parse_clean.c', 'xdp_verifier_reject.c'].map((f) => `examples/${f}`);

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd: ROOT };
  const code = await runCli(argv, io);
  return { code, out, err };
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'xdp-lens-cli-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('dispatcher', () => {
  it('--help lists the subcommands, --version prints the package version', async () => {
    const h = await cli('--help');
    expect(h.code).toBe(0);
    for (const c of ['check', 'disasm', 'run', 'drivers']) expect(h.out).toMatch(new RegExp(`^  ${c}\\s`, 'm'));
    const v = await cli('--version');
    expect(v.out).toBe(`xdp-check ${require('../../package.json').version}\n`);
  });

  it('no command or an unknown one is a usage error (2)', async () => {
    expect((await cli()).code).toBe(2);
    const u = await cli('frobnicate');
    expect(u.code).toBe(2);
    expect(u.err).toMatch(/unknown command 'frobnicate'/);
  });
});

describe('check: usage errors exit 2 with a one-line reason', () => {
  it.each([
    [['check'], /no input files/],
    [['check', '--kernel', '6', 'x.c'], /--kernel '6' must look like X\.Y/],
    [['check', '--kernel', '4.7', 'x.c'], /predates XDP/],
    [['check', '--driver', 'i40', 'x.c'], /unknown driver 'i40'.*i40e/],
    [['check', '--driver', '../etc', 'x.c'], /is not a driver name/],
    [['check', '--format', 'xml', 'x.c'], /--format must be one of text, json, sarif/],
    [['check', '--bogus', 'x.c'], /unknown option '--bogus'/],
    [['check', '--matrix', '--driver', 'i40e', 'x.c'], /cannot be combined/],
    [['check', '--matrix', '--format', 'json', 'x.c'], /--matrix prints a text table/],
  ])('%j', async (argv, re) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(re);
    expect(r.out).toBe('');
  });

  it('check --help prints the options and exits 0', async () => {
    const r = await cli('check', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--driver NAME/);
    expect(r.out).toMatch(/-I, --include-dir DIR/);
  });

  it('an unreadable file is exit 2', async () => {
    const r = await cli('check', 'examples/no_such_file.c');
    expect(r.code).toBe(2);
    expect(r.err).toBe('xdp-check: cannot read examples/no_such_file.c: no such file\n');
  });

  it('a missing clang is one clear line on stderr and exit 2, no report', async () => {
    const r = await cli('check', '--clang', '/nonexistent/clang', '--format', 'json', 'examples/xdp_parse_clean.c');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^xdp-check: clang not found at '\/nonexistent\/clang'.*apt-get install clang libbpf-dev/);
  });
});

describe('check: compile problems', () => {
  it('a compile error is reported compiler-style and exits 1', async () => {
    const f = join(tmp, 'broken.c');
    writeFileSync(f, '#include <linux/bpf.h>\nint prog(struct xdp_md *ctx) { return ctx->nope; }\n');
    const r = await cli('check', f);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${f}:2:44: error: no member named 'nope' in 'struct xdp_md' [clang/error]`);
    expect(r.out).toMatch(/^1 error, 0 warnings in 1 file \(no driver selected/m);
  });

  it('-I and -D reach clang', async () => {
    writeFileSync(join(tmp, 'act.h'), '#define ACTION XDP_PASS\n');
    const f = join(tmp, 'defs.c');
    writeFileSync(
      f,
      '#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n#include <act.h>\n#ifndef WANTED\n#error WANTED\n#endif\nSEC("xdp") int prog(struct xdp_md *ctx) { return ACTION; }\nchar LICENSE[] SEC("license") = "GPL";\n',
    );
    const without = await cli('check', '--format', 'json', f);
    expect(without.code).toBe(1);
    const r = await cli('check', '--format', 'json', '-I', tmp, '-DWANTED', f);
    const report = JSON.parse(r.out) as CheckReport;
    expect(report.files[0]!.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(report.files[0]!.programs.map((p) => p.name)).toEqual(['prog']);
  });
});

describe('check: the bundled examples', () => {
  it('json: a v1 report with the target and one file per input, programs named', async () => {
    const r = await cli('check', '--driver', 'i40e', '--kernel', '6.1', '--format', 'json', ...EXAMPLES);
    const report = JSON.parse(r.out) as CheckReport;
    expect(report.version).toBe(1);
    expect(report.target).toEqual({ driver: 'i40e', kernel: '6.1' });
    expect(report.files.map((f) => f.path)).toEqual(EXAMPLES);
    expect(report.files.map((f) => f.programs.map((p) => p.name))).toEqual([['xdp_encap'], ['xdp_bounce_icmp'], ['xdp_parse'], ['xdp_drop_tcp']]);
    for (const f of report.files) expect(f.diagnostics.filter((d) => d.code.startsWith('clang/'))).toEqual([]);
    expect(r.code).toBe(1);
  });

  it('the clean parser is clean for i40e (exit 0)', async () => {
    const r = await cli('check', '--driver', 'i40e', 'examples/xdp_parse_clean.c');
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^examples\/xdp_parse_clean\.c: program xdp_parse: xdp, \d+ insns; verifier: accept/m);
    expect(r.out).toMatch(/^0 errors, 0 warnings in 1 file \(driver i40e\)$/m);
    expect(r.code).toBe(0);
  });

  it('each faulty example yields its finding code on its line', async () => {
    const codes = async (file: string): Promise<string[]> => {
      const r = await cli('check', '--driver', 'i40e', '--format', 'json', file);
      const rep = JSON.parse(r.out) as CheckReport;
      return rep.files.flatMap((f) => [...f.diagnostics, ...f.programs.flatMap((p) => p.findings)]).map((f) => `${f.code}@${f.range.start.line}`);
    };
    expect(await codes('examples/xdp_verifier_reject.c')).toContain('bpf/pkt-bounds@28');
    // On `return XDP_BOUNCE;` (line 33), though clang attributes the constant to the `if` above it.
    expect(await codes('examples/xdp_invalid_action.c')).toContain('xdp/return-invalid@33');
    expect(await codes('examples/xdp_adjust_head_unbounded.c')).toContain('xdp/adjust-head-unbounded@35');
  });

  it('sarif: results for the faulty examples point at the example files', async () => {
    const r = await cli('check', '--driver', 'i40e', '--format', 'sarif', 'examples/xdp_verifier_reject.c');
    const s = JSON.parse(r.out);
    expect(s.version).toBe('2.1.0');
    const res = s.runs[0].results as { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[];
    expect(res.some((x) => x.ruleId === 'bpf/pkt-bounds')).toBe(true);
    expect(res[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe('examples/xdp_verifier_reject.c');
    expect(r.code).toBe(1);
  });

  it('a prebuilt object is checked without clang, with the same programs', async () => {
    const c = await compile({ file: join(ROOT, 'examples/xdp_parse_clean.c') });
    const obj = join(tmp, 'clean.o');
    writeFileSync(obj, c.object!);
    const r = await cli('check', '--clang', '/nonexistent/clang', '--format', 'json', obj);
    const report = JSON.parse(r.out) as CheckReport;
    expect(report.files[0]!.programs.map((p) => p.name)).toEqual(['xdp_parse']);
    expect(r.code).toBe(0);
  });

  it('a broken object is a load finding on that file (exit 1), not a crash', async () => {
    const obj = join(tmp, 'trunc.o');
    writeFileSync(obj, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]));
    const r = await cli('check', obj);
    expect(r.out).toMatch(/trunc\.o:1:1: error: .*\[load\/elf\]$/m);
    expect(r.code).toBe(1);
  });

  it('--matrix prints a program × driver table with ✔/✘', async () => {
    const r = await cli('check', '--matrix', 'examples/xdp_parse_clean.c', 'examples/xdp_invalid_action.c');
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^program\s+\S/);
    expect(lines[0]).toContain('i40e');
    const header = lines[0]!.split(/\s+/);
    const cell = (prefix: string, driver: string): string => lines.find((l) => l.startsWith(prefix))!.split(/\s+/)[header.indexOf(driver)]!;
    expect(cell('examples/xdp_parse_clean.c:xdp_parse', 'i40e')).toBe('✔');
    expect(cell('examples/xdp_invalid_action.c:xdp_bounce_icmp', 'i40e')).toBe('✘');
    // A driver-independent error is one reason line naming every driver.
    expect(r.out).toMatch(/^✘ examples\/xdp_invalid_action\.c:xdp_bounce_icmp on (all \d+ drivers|\d+ of \d+ drivers \(all but [^)]+\)): returns 7.*\[xdp\/return-invalid\]$/m);
    // The clean parser's only ✘ come from drivers that lack something it uses, each with its reason.
    for (const l of lines.filter((x) => x.startsWith('✘ examples/xdp_parse_clean.c'))) expect(l).toMatch(/ on [^:]+: .+ \[xdp\/[a-z-]+\]$/);
    expect(r.code).toBe(1);
  });
});

describe('the built bin', () => {
  const bin = join(ROOT, 'server', 'out', 'cli.js');
  it('node server/out/cli.js check runs the same command and exit statuses', () => {
    expect(existsSync(bin), 'server/out/cli.js is missing: run `npm run build` (npm test does)').toBe(true);
    const ok = spawnSync(process.execPath, [bin, 'check', '--format', 'json', 'examples/xdp_parse_clean.c'], { cwd: ROOT, encoding: 'utf8' });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect((JSON.parse(ok.stdout) as CheckReport).files[0]!.programs[0]!.name).toBe('xdp_parse');
    const missing = spawnSync(process.execPath, [bin, 'check', '--clang', '/nonexistent/clang', 'examples/xdp_parse_clean.c'], { cwd: ROOT, encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const usage = spawnSync(process.execPath, [bin, 'check', '--kernel', 'x'], { cwd: ROOT, encoding: 'utf8' });
    expect(usage.status).toBe(2);
  });
});
