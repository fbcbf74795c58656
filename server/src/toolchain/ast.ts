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
  /**
   * Without a filter: parse only the main file's top-level declarations, plus any declaration
   * that defines enum constants (main-file expressions name them). Header declarations are
   * skipped unparsed, which matters: with kernel headers the full dump is ~13 MB of JSON.
   */
  readonly mainFileOnly?: boolean;
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
  let decls: AstNode[];
  try {
    if (req.mainFileOnly && !req.filter) {
      decls = mainFileDecls(run.stdout, mainFile);
    } else {
      decls = splitJsonObjects(run.stdout.toString('utf8')).map((s) => JSON.parse(s) as AstNode);
      // Each top-level object starts a fresh location context in clang's printer... but not reliably
      // with a file: seed it with the main file, which is where filtered definitions usually are.
      for (const d of decls) resolveSpans(d, { file: mainFile });
    }
  } catch (e) {
    return { ok: false, decls: [], mainFile, ms: ms(), error: `unreadable AST dump: ${(e as Error).message}` };
  }
  return { ok: run.code === 0 || decls.length > 0, decls, mainFile, ms: ms(), ...(run.code === 0 ? {} : { error: run.stderr.trim().split('\n')[0] ?? 'clang failed' }) };
}

const DECL_OPEN = Buffer.from('\n    {\n');
const DECL_CLOSE = Buffer.from('\n    }');
const FILE_KEY = Buffer.from('"file": "');
const INCLUDED_FROM = Buffer.from('"includedFrom": {');
const ENUM_KIND = Buffer.from('"kind": "EnumDecl"');

/**
 * The top-level declarations of an unfiltered dump (one TranslationUnitDecl) that lie in
 * `mainFile` or define enum constants, each parsed on its own with spans resolved. clang's JSON
 * printer indents by two, so a top-level declaration is exactly the text between a line `    {`
 * and the next line starting `    }` (a raw newline never occurs inside a JSON string). Locations
 * name their file only when it changes, in print order; so the last location `"file"` before a
 * declaration is the file its first location is relative to. `includedFrom` objects also carry a
 * `"file"`, which is not a location and does not change the context.
 */
export function mainFileDecls(out: Buffer, mainFile: string): AstNode[] {
  if (out.indexOf('"TranslationUnitDecl"') < 0) throw new Error('no TranslationUnitDecl in the dump');
  const mainKey = Buffer.from(`"file": ${JSON.stringify(mainFile)}`);
  const decls: AstNode[] = [];
  // Cursors that only move forward, so the scan stays linear in the dump's size: the last
  // main-file location before the current declaration, and the next one and the next enum
  // declaration at or after its start.
  let prevMain = -1;
  let nextMain = nextLocationKey(out, mainKey, 0);
  let nextEnum = out.indexOf(ENUM_KIND);
  let pos = out.indexOf(DECL_OPEN);
  while (pos >= 0) {
    const start = pos + 1;
    const close = out.indexOf(DECL_CLOSE, start);
    if (close < 0) throw new Error(`unterminated declaration at byte ${start}`);
    const end = close + DECL_CLOSE.length;
    while (nextMain >= 0 && nextMain < start) {
      prevMain = nextMain;
      nextMain = nextLocationKey(out, mainKey, nextMain + 1);
    }
    while (nextEnum >= 0 && nextEnum < start) nextEnum = out.indexOf(ENUM_KIND, nextEnum + 1);
    // The context is the main file when no other location names a file between the last
    // main-file location and this declaration.
    const inMain = prevMain >= 0 && !(nextLocationKey(out, FILE_KEY, prevMain + 1, start) >= 0);
    if (inMain || (nextMain >= 0 && nextMain < end) || (nextEnum >= 0 && nextEnum < end)) {
      const node = JSON.parse(out.toString('utf8', start, end)) as RawNode;
      resolveSpans(node, { file: inMain ? mainFile : fileBefore(out, start) });
      decls.push(node);
    }
    pos = out.indexOf(DECL_OPEN, end);
  }
  return decls;
}

/** The first location key `key` (not an includedFrom member) in [from, before), or -1. */
function nextLocationKey(out: Buffer, key: Buffer, from: number, before = out.length): number {
  for (let f = out.indexOf(key, from); f >= 0 && f < before; f = out.indexOf(key, f + 1)) {
    if (!isIncludedFrom(out, f)) return f;
  }
  return -1;
}

/** The file of the last location printed before byte `at` ('' when none). */
function fileBefore(out: Buffer, at: number): string {
  for (let f = out.lastIndexOf(FILE_KEY, at - 1); f >= 0; f = f === 0 ? -1 : out.lastIndexOf(FILE_KEY, f - 1)) {
    if (!isIncludedFrom(out, f)) return readJsonString(out, f + FILE_KEY.length - 1);
  }
  return '';
}

/** Whether the `"file"` key at byte `f` is the first member of an `"includedFrom": {` object. */
function isIncludedFrom(out: Buffer, f: number): boolean {
  let i = f - 1;
  while (i >= 0 && (out[i] === 0x20 || out[i] === 0x0a)) i--;
  const from = i + 1 - INCLUDED_FROM.length;
  return from >= 0 && out.compare(INCLUDED_FROM, 0, INCLUDED_FROM.length, from, i + 1) === 0;
}

/** The JSON string literal starting at byte `quote` (the opening quote), decoded. */
function readJsonString(out: Buffer, quote: number): string {
  let i = quote + 1;
  while (i < out.length && out[i] !== 0x22) i += out[i] === 0x5c ? 2 : 1;
  return JSON.parse(out.toString('utf8', quote, i + 1)) as string;
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
