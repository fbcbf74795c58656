// The clang bridge against the real clang on this machine: clean compiles, errors with ranges,
// fix-its, unsaved buffers, compile_commands.json, a hanging clang and a missing one.
import { chmodSync, existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, findClang, isClangInfo } from '../../server/src/toolchain';

let dir: string;

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, name)));
}

const CLEAN = `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int pass_all(struct xdp_md *ctx)
{
\treturn XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xdp-lens-tc-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

describe('findClang', () => {
  it('finds a clang >= 14 with the BPF target on this machine and caches the probe', async () => {
    const a = await findClang();
    expect(isClangInfo(a)).toBe(true);
    if (!isClangInfo(a)) return;
    expect(a.version.major).toBeGreaterThanOrEqual(14);
    expect(a.text).toMatch(/clang version/);
    const t0 = performance.now();
    const b = await findClang();
    expect(performance.now() - t0).toBeLessThan(50);
    expect(b).toBe(a);
  });

  it('a bogus configured path is one clang-missing problem naming the fix', async () => {
    const r = await findClang({ path: '/nonexistent/bin/clang' });
    expect(isClangInfo(r)).toBe(false);
    if (isClangInfo(r)) return;
    expect(r.finding.code).toBe('toolchain/clang-missing');
    expect(r.finding.severity).toBe('error');
    expect(r.finding.message).toContain('/nonexistent/bin/clang');
    expect(r.finding.message).toContain('apt-get install clang libbpf-dev');
    expect(r.finding.message).toContain('xdp.clang.path');
    expect(r.finding.message).toContain('--clang');
  });

  it('refuses an executable that is not clang', async () => {
    const r = await findClang({ path: '/bin/true' });
    expect(isClangInfo(r)).toBe(false);
    if (!isClangInfo(r)) expect(r.finding.message).toMatch(/does not identify as clang/);
  });
});

describe('compile', () => {
  it('compiles a clean XDP program to a BPF ELF object with no problems', async () => {
    const file = write('clean.c', CLEAN);
    const r = await compile({ file });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    const o = r.object!;
    expect([...o.slice(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(o[4]).toBe(2); // ELFCLASS64
    expect(o[5]).toBe(1); // little-endian
    expect(o[18]! | (o[19]! << 8)).toBe(247); // EM_BPF
    expect(r.argv).toEqual(expect.arrayContaining(['-target', 'bpf', '-g', '-O2', '-c', file]));
    expect(r.argv).toContain('/usr/include/x86_64-linux-gnu');
    expect(r.clang?.version.major).toBeGreaterThanOrEqual(14);
  });

  it('a syntax error is a normal result with 1-based line/column ranges', async () => {
    const file = write(
      'broken.c',
      `#include <linux/bpf.h>
struct foo { int a; };
SEC_MISSING int prog(struct xdp_md *ctx)
{
\tstruct foo *p = 0;
\treturn p->b;
}
`,
    );
    const r = await compile({ file });
    expect(r.ok).toBe(false);
    expect(r.object).toBeUndefined();
    const errs = r.problems.filter((p) => p.code === 'clang/error');
    expect(errs.length).toBeGreaterThanOrEqual(2);
    // "unknown type name 'SEC_MISSING'" at 3:1, the token is 11 characters long.
    const unknown = errs.find((e) => e.message.includes("unknown type name 'SEC_MISSING'"))!;
    expect(unknown.range).toEqual({ start: { line: 3, column: 1 }, end: { line: 3, column: 12 } });
    expect(unknown.file).toBeUndefined();
    // "no member named 'b'": caret on `b` (6:12), the token under it.
    const member = errs.find((e) => e.message.includes("no member named 'b'"))!;
    expect(member.range.start).toEqual({ line: 6, column: 12 });
    expect(member.range.end).toEqual({ line: 6, column: 13 });
  });

  it('a warning keeps its source range, its -W flag, its notes and their fix-its', async () => {
    const file = write(
      'warn.c',
      `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp")
int prog(struct xdp_md *ctx)
{
\tint y = ctx->ingress_ifindex;
\tif (y = 3)
\t\treturn XDP_DROP;
\treturn XDP_PASS;
}
`,
    );
    const r = await compile({ file });
    expect(r.ok).toBe(true);
    expect(r.object).toBeDefined();
    const w = r.problems.find((p) => p.code === 'clang/warning')!;
    expect(w.severity).toBe('warning');
    expect(w.message).toMatch(/assignment as a condition/);
    // Tabs count as one column, as clang counts them: `y = 3` is 7:6..7:11 (end one past the `3`).
    expect(w.range).toEqual({ start: { line: 7, column: 6 }, end: { line: 7, column: 11 } });
    expect(w.data?.flag).toBe('-Wparentheses');
    expect(w.related?.map((n) => n.message)).toEqual([
      'place parentheses around the assignment to silence this warning',
      "use '==' to turn this assignment into an equality comparison",
    ]);
    expect(w.data?.fixits).toEqual([
      {
        title: 'place parentheses around the assignment to silence this warning',
        edits: [
          { range: { start: { line: 7, column: 6 }, end: { line: 7, column: 6 } }, newText: '(' },
          { range: { start: { line: 7, column: 11 }, end: { line: 7, column: 11 } }, newText: ')' },
        ],
      },
      {
        title: "use '==' to turn this assignment into an equality comparison",
        edits: [{ range: { start: { line: 7, column: 8 }, end: { line: 7, column: 9 } }, newText: '==' }],
      },
    ]);
  });

  it('compiles unsaved text through stdin, resolving "quoted" includes and positions against the file', async () => {
    write('buf/local.h', '#define MY_ACTION XDP_TX\n');
    const file = join(dir, 'buf', 'unsaved.c'); // never written to disk
    const text = CLEAN.replace('#include <bpf/bpf_helpers.h>', '#include <bpf/bpf_helpers.h>\n#include "local.h"')
      .replace('return XDP_PASS;', 'int unused_var;\n\treturn MY_ACTION + nope;');
    const bad = await compile({ file, text });
    expect(bad.ok).toBe(false);
    const e = bad.problems.find((p) => p.message.includes("undeclared identifier 'nope'"))!;
    expect(e.file).toBeUndefined();
    expect(e.range).toEqual({ start: { line: 9, column: 21 }, end: { line: 9, column: 25 } });
    expect(bad.argv).toEqual(expect.arrayContaining(['-x', 'c', '-']));

    const good = await compile({ file, text: text.replace(' + nope', '') });
    expect(good.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(good.ok).toBe(true);
    // BTF line_info names the file, not "<stdin>".
    const strings = Buffer.from(good.object!).toString('latin1');
    expect(strings).toContain(file);
    expect(strings).not.toContain('<stdin>');
  });

  it('takes -I and -D from compile_commands.json found upward, and only when asked to', async () => {
    write('proj/inc/proj_config.h', '#define PROJ_ACTION XDP_DROP\n');
    const file = write(
      'proj/src/prog.c',
      `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "proj_config.h"
#ifndef FROM_DATABASE
#error "FROM_DATABASE must come from compile_commands.json"
#endif
SEC("xdp")
int prog(struct xdp_md *ctx) { return PROJ_ACTION + FROM_DATABASE - 1; }
`,
    );
    write(
      'proj/build/compile_commands.json',
      JSON.stringify([
        { directory: join(dir, 'proj', 'build'), file: '../src/prog.c', command: `cc -O2 -I../inc -D FROM_DATABASE=1 -Wall -o prog.o -c ../src/prog.c` },
      ]),
    );
    const r = await compile({ file });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.argv).toEqual(expect.arrayContaining(['-I', join(dir, 'proj', 'inc'), '-D', 'FROM_DATABASE=1']));
    expect(r.argv).not.toContain('-Wall');

    const off = await compile({ file, useCompileCommands: false });
    expect(off.ok).toBe(false);
    expect(off.problems[0]!.message).toMatch(/proj_config\.h' file not found/);

    // User flags work on their own as well.
    const user = await compile({ file, useCompileCommands: false, includeDirs: [join(dir, 'proj', 'inc')], defines: ['FROM_DATABASE=1'] });
    expect(user.ok).toBe(true);
  });

  it('a missing <bpf/bpf_helpers.h> is the clang error plus a note that libbpf-dev provides it', async () => {
    const file = write('nolibbpf.c', CLEAN);
    // -nostdinc hides /usr/include, as on a machine without libbpf-dev.
    const r = await compile({ file, args: ['-nostdinc'] });
    expect(r.ok).toBe(false);
    const e = r.problems.find((p) => p.message.includes("'bpf/bpf_helpers.h' file not found"))
      ?? r.problems.find((p) => p.message.includes('file not found'))!;
    expect(e.code).toBe('clang/error');
    if (e.message.includes('bpf/')) {
      expect(e.related?.some((n) => n.message.includes('apt-get install libbpf-dev'))).toBe(true);
    } else {
      // <linux/bpf.h> comes first and fails first: the hint names linux-libc-dev instead.
      expect(e.related?.some((n) => n.message.includes('linux-libc-dev'))).toBe(true);
    }
    const fileOnlyBpf = write('nolibbpf2.c', '#include <bpf/bpf_helpers.h>\n');
    const r2 = await compile({ file: fileOnlyBpf, args: ['-nostdinc'] });
    const e2 = r2.problems[0]!;
    expect(e2.message).toBe("'bpf/bpf_helpers.h' file not found");
    expect(e2.range).toEqual({ start: { line: 1, column: 10 }, end: { line: 1, column: 29 } });
    expect(e2.related?.[0]?.message).toMatch(/libbpf-dev/);
    expect(e2.data?.hint).toMatch(/apt-get install libbpf-dev/);
  });

  it('kills a clang that hangs and reports one clang-timeout problem', async () => {
    const fake = write(
      'fake/clang',
      `#!/bin/sh
case "$1" in
  --version) echo "clang version 14.0.6"; exit 0;;
  -print-targets) echo "    bpf        - BPF (host endian)"; exit 0;;
esac
sleep 30
`,
    );
    chmodSync(fake, 0o755);
    const file = write('slow.c', CLEAN);
    const t0 = performance.now();
    const r = await compile({ file, clangPath: fake, timeoutMs: 1000 });
    const elapsed = performance.now() - t0;
    expect(r.ok).toBe(false);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.code).toBe('toolchain/clang-timeout');
    expect(r.problems[0]!.message).toMatch(/within 1 s and was killed/);
    expect(elapsed).toBeLessThan(5000);
  });

  it('an aborted compile kills clang at once and says cancelled, with no problems', async () => {
    const fake = write('fake2/clang', `#!/bin/sh
case "$1" in
  --version) echo "clang version 15.0.0"; exit 0;;
  -print-targets) echo "    bpf        - BPF (host endian)"; exit 0;;
esac
sleep 30
`);
    chmodSync(fake, 0o755);
    const ac = new AbortController();
    const t0 = performance.now();
    const pending = compile({ file: write('abort.c', CLEAN), clangPath: fake, signal: ac.signal });
    setTimeout(() => ac.abort(), 300);
    const r = await pending;
    expect(r).toMatchObject({ ok: false, problems: [], cancelled: true });
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it('a missing clang is one clang-missing problem, not an exception', async () => {
    const file = write('nomatter.c', CLEAN);
    const r = await compile({ file, clangPath: '/nonexistent/clang-99' });
    expect(r.ok).toBe(false);
    expect(r.argv).toEqual([]);
    expect(r.problems.map((p) => p.code)).toEqual(['toolchain/clang-missing']);
  });

  it('reports clang driver errors without a location at line 1', async () => {
    const file = write('driver.c', CLEAN);
    const r = await compile({ file, args: ['--no-such-clang-flag'] });
    expect(r.ok).toBe(false);
    const e = r.problems.find((p) => p.message.includes('--no-such-clang-flag'))!;
    expect(e.code).toBe('clang/error');
    expect(e.range.start.line).toBe(1);
    expect(e.data?.noLocation).toBe(true);
  });

  it.skipIf(!onPath('clang-19'))('compiles with clang-19 too (selected by name; skipped: clang-19 not on PATH)', async () => {
    const r = await compile({ file: write('clean19.c', CLEAN), clangPath: 'clang-19' });
    expect(r.problems).toEqual([]);
    expect(r.clang?.version.major).toBe(19);
  });
});
