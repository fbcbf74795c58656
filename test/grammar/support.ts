// Tokenises text with the real TextMate engine (vscode-textmate + the oniguruma WASM), the way
// VS Code does, so grammar tests check what users will see.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import { INITIAL, Registry, parseRawGrammar, type IGrammar } from 'vscode-textmate';

const ROOT = join(__dirname, '..', '..');

let onig: Promise<void> | undefined;
function loadOnig(): Promise<void> {
  onig ??= (async () => {
    const wasm = readFileSync(join(ROOT, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
  })();
  return onig;
}

/** A minimal stand-in for VS Code's C grammar: only comments and strings, enough to test the injection selector. */
const MINI_C = {
  scopeName: 'source.c',
  patterns: [
    { begin: '//', end: '$', name: 'comment.line.double-slash.c' },
    { begin: '"', end: '"', name: 'string.quoted.double.c' },
  ],
};

export async function loadGrammar(scopeName: 'source.xdp-disasm' | 'source.c'): Promise<IGrammar> {
  await loadOnig();
  const registry = new Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope) => {
      if (scope === 'source.xdp-disasm') return parseRawGrammar(readFileSync(join(ROOT, 'syntaxes', 'xdp-disasm.tmLanguage.json'), 'utf8'), 'x.json');
      if (scope === 'xdp.injection.c') return parseRawGrammar(readFileSync(join(ROOT, 'syntaxes', 'xdp-c.injection.tmLanguage.json'), 'utf8'), 'x.json');
      if (scope === 'source.c') return parseRawGrammar(JSON.stringify(MINI_C), 'c.json');
      return null;
    },
    getInjections: (scope) => (scope === 'source.c' ? ['xdp.injection.c'] : undefined),
  });
  const g = await registry.loadGrammar(scopeName);
  if (!g) throw new Error(`grammar ${scopeName} not found`);
  return g;
}

/** Tokens of one line as [text, innermost scope] pairs (whitespace-only tokens dropped). */
export function tokens(grammar: IGrammar, line: string): [string, string][] {
  const r = grammar.tokenizeLine(line, INITIAL);
  return r.tokens
    .map((t): [string, string] => [line.slice(t.startIndex, t.endIndex), t.scopes[t.scopes.length - 1]!])
    .filter(([text]) => text.trim() !== '');
}

/** The innermost scope of the token containing `needle` (first occurrence). */
export function scopeOf(grammar: IGrammar, line: string, needle: string): string[] {
  const at = line.indexOf(needle);
  if (at < 0) throw new Error(`'${needle}' not in '${line}'`);
  const r = grammar.tokenizeLine(line, INITIAL);
  const t = r.tokens.find((x) => x.startIndex <= at && at < x.endIndex)!;
  return t.scopes;
}
