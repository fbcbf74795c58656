// Return statements from clang's AST: positions, and constant values through enum constants
// (implicit ones counted), macros, casts and unary minus.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectReturns, LineIndex, returnFor } from '../../../server/src/core/csource/returns';
import { dumpAst } from '../../../server/src/toolchain/ast';

const ROOT = join(__dirname, '..', '..', '..');

describe('collectReturns', () => {
  it('finds each return of the invalid-action example with its value', async () => {
    const file = join(ROOT, 'examples', 'xdp_invalid_action.c');
    const ast = await dumpAst({ file });
    expect(ast.ok).toBe(true);
    const returns = collectReturns(ast.decls, ast.mainFile, readFileSync(file, 'utf8'));
    const text = readFileSync(file, 'utf8').split('\n');
    expect(returns.map((r) => [r.func, r.value])).toEqual([
      ['xdp_bounce_icmp', 1],
      ['xdp_bounce_icmp', 2],
      ['xdp_bounce_icmp', 1],
      ['xdp_bounce_icmp', 7],
      ['xdp_bounce_icmp', 2],
    ]);
    for (const r of returns) expect(text[r.line - 1]!.slice(r.column - 1)).toMatch(/^return\b/);
    // The 7 comes from the `if` on the line before its return; it maps to that return.
    const seven = returns.find((r) => r.value === 7)!;
    expect(returnFor(returns, seven.line - 1, 7)).toBe(seven);
  });

  it('folds enum constants without initialisers, casts, parentheses and unary minus', async () => {
    const text = [
      'enum e { A = 3, B, C = -2, D };',
      '#define M ((int)(B))',
      'int f(int x) {',
      '  if (x == 1) return D;',
      '  if (x == 2) return M;',
      '  if (x == 3) return -(C);',
      '  if (x == 4) return x + 1;',
      "  return 'a';",
      '}',
      '',
    ].join('\n');
    const ast = await dumpAst({ file: join(ROOT, 'virtual.c'), text });
    const returns = collectReturns(ast.decls, ast.mainFile, text);
    expect(returns.map((r) => r.value)).toEqual([-1, 4, 2, undefined, 97]);
    expect(returns.map((r) => r.line)).toEqual([4, 5, 6, 7, 8]);
  });

  it('maps UTF-8 byte offsets to 1-based lines and columns', () => {
    const idx = new LineIndex('ab\n\u00e9x\nz');
    expect(idx.position(0)).toEqual({ line: 1, column: 1 });
    expect(idx.position(3)).toEqual({ line: 2, column: 1 });
    expect(idx.position(5)).toEqual({ line: 2, column: 3 }); // after the two-byte é
    expect(idx.position(7)).toEqual({ line: 3, column: 1 });
  });

  it('picks no statement when none returns the value', () => {
    expect(returnFor([{ func: 'f', line: 3, column: 3, endLine: 3, endColumn: 12, value: 1 }], 2, 7)).toBeUndefined();
  });
});
