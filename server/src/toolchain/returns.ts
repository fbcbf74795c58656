// The C file's return statements (with constant values) for placing return-code findings, from
// clang's JSON AST. Callers run it only when an analysis has such findings; a failure only means
// the findings stay on the line the instruction's line_info names.
import { readFileSync } from 'node:fs';
import { collectReturns, type ReturnStmtInfo } from '../core/csource/returns';
import { dumpAst } from './ast';
import type { CompileRequest } from './compile';

/** The same source as the compile was given (unsaved `text` is parsed from stdin; otherwise the file is read). */
export type ReturnsRequest = Pick<CompileRequest, 'file' | 'text' | 'includeDirs' | 'defines' | 'args' | 'clangPath' | 'timeoutMs'>;

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
