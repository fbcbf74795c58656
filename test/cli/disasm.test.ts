// `xdp-check disasm`: the objdump form equals LLVM's listing (golden from llvm-objdump-14 for a
// committed fixture object), the text form interleaves C source and names helpers and maps, json
// carries the same per instruction, and bad input exits with a message and status, no trace.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../server/src/cli/dispatch';
import type { CliIo } from '../../server/src/cli/io';

const ROOT = join(__dirname, '..', '..');

async function cli(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), cwd: ROOT };
  const status = await runCli(['disasm', ...argv], io);
  return { status, out, err };
}

describe('xdp-check disasm', () => {
  const fixture = 'test/fixtures/loader/subprogs.o';

  it('--format objdump prints what llvm-objdump-14 prints', async () => {
    const r = await cli('--format', 'objdump', fixture);
    expect(r.status).toBe(0);
    expect(r.out).toBe(readFileSync(join(ROOT, 'test', 'golden', 'disasm', 'fixtures', 'loader', 'subprogs.o.txt'), 'utf8'));
  });

  it('the text form links subprograms and interleaves C source lines', async () => {
    const r = await cli(fixture);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^\w+ \(section [^,]+, \d+ instructions\):/);
    expect(r.out).toMatch(/^; .+  @ subprogs\.c:\d+$/m);
    expect(r.out).toMatch(/^\s+\d+: call -?\d+$/m); // a bpf-to-bpf call, linked
  });

  it('names helpers and maps in the text form of a compiled example', async () => {
    const r = await cli('examples/xdp_parse_clean.c');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/call 1  \/\/ bpf_map_lookup_elem/);
    expect(r.out).toMatch(/= map\[\w+\] ll/);
  });

  it('--format json gives slot, text and source location per instruction', async () => {
    const r = await cli('--format', 'json', 'examples/xdp_parse_clean.c');
    const json = JSON.parse(r.out) as { programs: Array<{ name: string; insns: Array<{ slot: number; text: string; line?: number }> }> };
    expect(json.programs[0]!.name).toBe('xdp_parse');
    expect(json.programs[0]!.insns[0]).toMatchObject({ slot: 0, text: expect.any(String), line: expect.any(Number) });
  });

  it('reports a missing program, a missing file and a broken object clearly', async () => {
    const noProg = await cli('--program', 'nope', fixture);
    expect(noProg.status).toBe(2);
    expect(noProg.err).toMatch(/no program 'nope' in .*\(it has: /);
    const missing = await cli('does/not/exist.o');
    expect(missing).toMatchObject({ status: 2, err: expect.stringMatching(/cannot read does\/not\/exist\.o: no such file/) });
    const broken = await cli('package.json');
    expect(broken.status).not.toBe(0);
    expect(broken.err + broken.out).not.toMatch(/\n\s+at /); // no stack trace
  });
});
