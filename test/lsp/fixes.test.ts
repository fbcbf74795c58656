// Quick-fix builders against clang's real AST of a fixture. The findings here are written by hand
// in the shape the analyses produce (code, C range, data.suggestedBound), to test the builders on
// their own; protocol tests cover the findings the analyses actually report.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../server/src/core/diagnostics/finding';
import { compile } from '../../server/src/toolchain';
import { dumpAst, type AstNode } from '../../server/src/toolchain/ast';
import { adjustHeadBound, packetBoundsCheck, returnClamp } from '../../server/src/worker/fixes/builders';
import { CSource } from '../../server/src/worker/fixes/cSource';
import { tempFile } from './support/inProcess';
import type { PreparedFix } from '../../server/src/worker/messages';

const FILE = join(__dirname, 'fixtures', 'fixable.bpf.c');
const TEXT = readFileSync(FILE, 'utf8');
const LINES = TEXT.split('\n');

let decls: AstNode[];
let src: CSource;

beforeAll(async () => {
  const ast = await dumpAst({ file: FILE, filter: 'xdp_fixable' });
  expect(ast.error).toBeUndefined();
  decls = ast.decls;
  src = new CSource(TEXT, ast.mainFile);
});

/** A finding on the first occurrence of `needle` (1-based line and byte column, as the core reports). */
function findingAt(code: string, needle: string, data: Record<string, unknown> = {}): Finding {
  const line = LINES.findIndex((l) => l.includes(needle));
  const column = LINES[line]!.indexOf(needle) + 1;
  return { code, severity: 'error', message: code, range: { start: { line: line + 1, column }, end: { line: line + 1, column: column + needle.length } }, data };
}

function apply(text: string, fix: PreparedFix): string {
  const s = new CSource(text, '');
  const edits = [...fix.edits].sort((a, b) => s.offsetOf(b.range.start) - s.offsetOf(a.range.start));
  let buf = Buffer.from(text);
  for (const e of edits) {
    const a = s.offsetOf(e.range.start);
    const b = s.offsetOf(e.range.end);
    buf = Buffer.concat([buf.subarray(0, a), Buffer.from(e.newText), buf.subarray(b)]);
  }
  return buf.toString();
}

async function compilesClean(text: string): Promise<void> {
  const path = tempFile('fixed.bpf.c', text);
  const r = await compile({ file: path });
  expect(r.problems.filter((p) => p.severity === 'error').map((p) => p.message)).toEqual([]);
  expect(r.ok).toBe(true);
}

describe('quick-fix builders on the clang AST', () => {
  it('adjust_head: guards the signed push length as written, before the statement with the call', async () => {
    const fix = adjustHeadBound({ finding: findingAt('xdp/adjust-head-unbounded', '-len', { suggestedBound: 216 }), decls, src })!;
    expect(fix.title).toBe('Bound the push: return XDP_DROP when len exceeds 216 bytes');
    const fixed = apply(TEXT, fix);
    expect(fixed).toContain('\tif (len < 0 || len > 216)\n\t\treturn XDP_DROP;\n\tif (bpf_xdp_adjust_head(ctx, -len))');
    await compilesClean(fixed);
  });

  it('adjust_head: offers nothing without a suggested bound or for a constant push', async () => {
    expect(adjustHeadBound({ finding: findingAt('xdp/adjust-head-unbounded', '-len'), decls, src })).toBeUndefined();
    const constText = TEXT.replace('-len)', '-14) ');
    const ast = await dumpAst({ file: FILE, text: constText, filter: 'xdp_fixable' });
    const s = new CSource(constText, ast.mainFile);
    expect(ast.decls.length).toBeGreaterThan(0);
    expect(adjustHeadBound({ finding: findingAt('xdp/headroom-exceeded', 'bpf_xdp_adjust_head', { suggestedBound: 216 }), decls: ast.decls, src: s })).toBeUndefined();
  });

  it('packet bounds: checks the pointer the access goes through against the data_end in scope', async () => {
    const fix = packetBoundsCheck({ finding: findingAt('bpf/pkt-bounds', 'eth->h_proto'), decls, src })!;
    expect(fix.title).toBe('Check the packet bounds: return XDP_DROP when eth + 1 passes data_end');
    const fixed = apply(TEXT, fix);
    expect(fixed).toContain('\tif ((void *)(eth + 1) > data_end)\n\t\treturn XDP_DROP;\n\tif (eth->h_proto == 0)');
    await compilesClean(fixed);
  });

  it('invalid return: a constant becomes a valid action, an expression is clamped', async () => {
    const lit = returnClamp({ finding: findingAt('xdp/return-invalid', 'return 7'), decls, src });
    expect(lit.map((f) => f.title)).toEqual(['Return XDP_DROP instead of 7', 'Return XDP_PASS instead of 7', 'Return XDP_ABORTED instead of 7']);
    expect(apply(TEXT, lit[0]!)).toContain('\t\treturn XDP_DROP;\n');
    const expr = returnClamp({ finding: findingAt('xdp/return-invalid', 'return act'), decls, src });
    expect(expr).toHaveLength(1);
    const fixed = apply(TEXT, expr[0]!);
    expect(fixed).toContain('\treturn (unsigned int)(act) > XDP_REDIRECT ? XDP_ABORTED : (act);');
    await compilesClean(fixed);
  });

  it('finds nothing to fix outside a function body', () => {
    const f = findingAt('xdp/return-invalid', 'char LICENSE');
    expect(returnClamp({ finding: f, decls, src })).toEqual([]);
  });
});

// Keep the fixture honest: it must compile as is (the fixes are about verification, not syntax).
it('the fixture compiles', async () => {
  const r = await compile({ file: FILE });
  expect(r.ok).toBe(true);
});
