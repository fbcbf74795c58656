// clang's AST as JSON (`-Xclang -ast-dump=json -fsyntax-only`), for quick-fixes that must find
// real statements, expressions and names in C (never regex guesses). The dump is filtered to the
// declarations whose name contains `filter` (clang's -ast-dump-filter), which keeps it small even
// with large headers. clang prints locations delta-encoded (a `file` only when it changes); this
// module resolves every node's range to absolute byte offsets in a named file, so callers work
// with [begin, end) offsets into the text they already have.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { compileCommandFlags } from './compileCommands';
import { multiarchIncludeDir } from './compile';
import { findClang, isClangInfo } from './findClang';
import { runProcess } from './runProcess';

export interface AstRequest {
  readonly file: string;
  /** Unsaved text, parsed from stdin (offsets then refer to this text). */
  readonly text?: string;
  /** Only declarations whose name contains this string (clang -ast-dump-filter). */
  readonly filter?: string;
  readonly args?: readonly string[];
  readonly clangPath?: string;
  readonly timeoutMs?: number;
}

/** A node's resolved source span: byte offsets [begin, end) in `file` (the expansion location for macros). */
export interface AstSpan {
  readonly file: string;
  readonly begin: number;
  readonly end: number;
}

export interface AstNode {
  readonly id: string;
  readonly kind: string;
  readonly name?: string;
  readonly opcode?: string;
  readonly isArrow?: boolean;
  readonly type?: { readonly qualType: string; readonly desugaredQualType?: string };
  readonly referencedDecl?: { readonly id: string; readonly kind: string; readonly name?: string; readonly type?: { readonly qualType: string } };
  readonly value?: string;
  readonly inner?: AstNode[];
  /** Added by this module. */
  span?: AstSpan;
}

export interface AstResult {
  readonly ok: boolean;
  /** Top-level declarations matching the filter, each with `span`s resolved. */
  readonly decls: AstNode[];
  /** The name clang uses for the main file in locations (its path, or `<stdin>`). */
  readonly mainFile: string;
  readonly ms: number;
  readonly error?: string;
}

export async function dumpAst(req: AstRequest): Promise<AstResult> {
  const t0 = performance.now();
  const ms = (): number => Math.round(performance.now() - t0);
  const file = resolve(req.file);
  const fromStdin = req.text !== undefined;
  const mainFile = fromStdin ? '<stdin>' : file;
  const found = await findClang(req.clangPath ? { path: req.clangPath } : {});
  if (!isClangInfo(found)) return { ok: false, decls: [], mainFile, ms: ms(), error: found.finding.message };
  const dir = dirname(file);
  const args = ['-target', 'bpf', '-fsyntax-only', '-fno-color-diagnostics', '-Xclang', '-ast-dump=json'];
  if (req.filter) args.push('-Xclang', `-ast-dump-filter=${req.filter}`);
  const cc = compileCommandFlags(file);
  if (cc) args.push(...cc.flags);
  if (fromStdin) args.push('-I', dir);
  const multiarch = await multiarchIncludeDir();
  if (multiarch) args.push('-I', multiarch);
  args.push(...(req.args ?? []));
  args.push(...(fromStdin ? ['-x', 'c', '-'] : [file]));
  const run = await runProcess(found.path, args, {
    cwd: existsSync(dir) ? dir : process.cwd(),
    timeoutMs: req.timeoutMs ?? 20_000,
    ...(fromStdin ? { stdin: req.text } : {}),
  });
  if (run.timedOut) return { ok: false, decls: [], mainFile, ms: ms(), error: 'clang -ast-dump timed out' };
  const out = run.stdout.toString('utf8');
  let decls: AstNode[];
  try {
    decls = splitJsonObjects(out).map((s) => JSON.parse(s) as AstNode);
  } catch (e) {
    return { ok: false, decls: [], mainFile, ms: ms(), error: `unreadable AST dump: ${(e as Error).message}` };
  }
  // Each top-level object starts a fresh location context in clang's printer... but not reliably
  // with a file: seed it with the main file, which is where filtered definitions usually are.
  for (const d of decls) resolveSpans(d, { file: mainFile });
  return { ok: run.code === 0 || decls.length > 0, decls, mainFile, ms: ms(), ...(run.code === 0 ? {} : { error: run.stderr.trim().split('\n')[0] ?? 'clang failed' }) };
}

/** clang prints one JSON object per matching declaration, back to back (with a filter). */
export function splitJsonObjects(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{') {
      if (depth++ === 0) start = i;
    } else if (ch === '}') {
      if (--depth === 0 && start >= 0) {
        out.push(text.slice(start, i + 1));
        start = -1;
      }
    }
  }
  return out;
}

interface RawLoc {
  offset?: number;
  file?: string;
  tokLen?: number;
  spellingLoc?: RawLoc;
  expansionLoc?: RawLoc;
}

interface RawNode extends AstNode {
  loc?: RawLoc;
  range?: { begin?: RawLoc; end?: RawLoc };
  inner?: RawNode[];
}

/** Walks in clang's print order, tracking the current file, and sets each node's `span`. */
function resolveSpans(node: RawNode, cur: { file: string }): void {
  const visit = (l: RawLoc | undefined): { file: string; offset: number; tokLen: number } | undefined => {
    if (!l) return undefined;
    if (l.spellingLoc || l.expansionLoc) {
      visit(l.spellingLoc);
      return visit(l.expansionLoc);
    }
    if (l.file) cur.file = l.file;
    if (l.offset === undefined) return undefined;
    return { file: cur.file, offset: l.offset, tokLen: l.tokLen ?? 0 };
  };
  visit(node.loc);
  const b = visit(node.range?.begin);
  const e = visit(node.range?.end);
  if (b && e && b.file === e.file) node.span = { file: b.file, begin: b.offset, end: e.offset + e.tokLen };
  for (const c of node.inner ?? []) resolveSpans(c, cur);
}
