// The C file's return statements (with constant values) for placing return-code findings, from
// clang's JSON AST. Runs alongside the compile; a failure only means findings stay on the line
// the instruction's line_info names.
import { readFileSync } from 'node:fs';
import { collectReturns, type ReturnStmtInfo } from '../core/csource/returns';
import { parseAstDump, runAstDump } from './ast';

export interface ReturnsRequest {
  readonly file: string;
  /** Unsaved text (parsed from stdin); otherwise the file is read. */
  readonly text?: string;
  readonly includeDirs?: readonly string[];
  readonly defines?: readonly string[];
  readonly args?: readonly string[];
  readonly clangPath?: string;
  readonly timeoutMs?: number;
  /** Aborting kills clang and yields undefined. */
  readonly signal?: AbortSignal;
  /** Run clang at this nice value (it runs beside the compile, which must not wait for it). */
  readonly nice?: number;
}

export async function sourceReturns(req: ReturnsRequest): Promise<ReturnStmtInfo[] | undefined> {
  return sourceReturnsLater(req)();
}

/**
 * Starts clang's AST dump at once and returns a function that yields the return statements:
 * the dump (~13 MB of JSON with kernel headers) is parsed only if that function is called.
 */
export function sourceReturnsLater(req: ReturnsRequest): () => Promise<ReturnStmtInfo[] | undefined> {
  let text = req.text;
  if (text === undefined) {
    try {
      text = readFileSync(req.file, 'utf8');
    } catch {
      return () => Promise.resolve(undefined);
    }
  }
  const args = [...(req.includeDirs ?? []).map((d) => `-I${d}`), ...(req.defines ?? []).map((d) => `-D${d}`), ...(req.args ?? [])];
  const raw = runAstDump({
    file: req.file,
    mainFileOnly: true,
    ...(req.text !== undefined ? { text: req.text } : {}),
    args,
    ...(req.clangPath !== undefined ? { clangPath: req.clangPath } : {}),
    ...(req.timeoutMs !== undefined ? { timeoutMs: req.timeoutMs } : {}),
    ...(req.signal ? { signal: req.signal } : {}),
    ...(req.nice !== undefined ? { nice: req.nice } : {}),
  }).catch((): undefined => undefined);
  const source = text;
  return async () => {
    const dump = await raw;
    if (!dump) return undefined;
    const ast = parseAstDump(dump);
    return ast.ok ? collectReturns(ast.decls, ast.mainFile, source) : undefined;
  };
}
