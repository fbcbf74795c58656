// The C file's return statements (with constant values) for placing return-code findings, from
// clang's JSON AST. Runs alongside the compile; a failure only means findings stay on the line
// the instruction's line_info names.
import { readFileSync } from 'node:fs';
import { collectReturns, type ReturnStmtInfo } from '../core/csource/returns';
import { dumpAst } from './ast';

export interface ReturnsRequest {
  readonly file: string;
  /** Unsaved text (parsed from stdin); otherwise the file is read. */
  readonly text?: string;
  readonly includeDirs?: readonly string[];
  readonly defines?: readonly string[];
  readonly args?: readonly string[];
  readonly clangPath?: string;
  readonly timeoutMs?: number;
}

export async function sourceReturns(req: ReturnsRequest): Promise<ReturnStmtInfo[] | undefined> {
  let text = req.text;
  if (text === undefined) {
    try {
      text = readFileSync(req.file, 'utf8');
    } catch {
      return undefined;
    }
  }
  const args = [...(req.includeDirs ?? []).map((d) => `-I${d}`), ...(req.defines ?? []).map((d) => `-D${d}`), ...(req.args ?? [])];
  const ast = await dumpAst({
    file: req.file,
    mainFileOnly: true,
    ...(req.text !== undefined ? { text: req.text } : {}),
    args,
    ...(req.clangPath !== undefined ? { clangPath: req.clangPath } : {}),
    ...(req.timeoutMs !== undefined ? { timeoutMs: req.timeoutMs } : {}),
  });
  if (!ast.ok) return undefined;
  return collectReturns(ast.decls, ast.mainFile, text);
}
