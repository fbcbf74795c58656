// Turning a command-line FILE into object bytes: an ELF object is read as it is; anything else
// is compiled as C by the toolchain. Shared by the subcommands that take FILE.{c,o}.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Finding } from '../core/diagnostics/finding';
import type { ReturnStmtInfo } from '../core/csource/returns';
import { compile } from '../toolchain';
import { sourceReturns } from '../toolchain/returns';
import type { OptionSpec, ParsedArgs } from './args';
import type { CliIo } from './io';

/** The compile options every subcommand taking FILE.{c,o} accepts, spelled the same everywhere. */
export const COMPILE_OPTIONS: readonly OptionSpec[] = [
  { name: 'include-dir', short: 'I', value: true, repeat: true, arg: 'DIR', help: 'add an include directory for clang' },
  { name: 'define', short: 'D', value: true, repeat: true, arg: 'NAME[=VALUE]', help: 'define a macro for clang' },
  { name: 'clang', value: true, arg: 'PATH', help: 'clang to use (default: clang on PATH, then clang-19 ... clang-14)' },
];

/** The InputOptions given by COMPILE_OPTIONS on a parsed command line; -I is relative to `cwd`. */
export function inputOptions(args: ParsedArgs, cwd: string): InputOptions {
  return { includeDirs: args.all('include-dir').map((d) => resolve(cwd, d)), defines: args.all('define'), clangPath: args.get('clang') };
}

export interface InputOptions {
  readonly includeDirs: readonly string[];
  readonly defines: readonly string[];
  readonly clangPath: string | undefined;
}

export type Input =
  | {
      readonly kind: 'object';
      readonly path: string;
      readonly bytes: Uint8Array;
      readonly problems: Finding[];
      /**
       * The C file's return statements from clang's AST (C input only; undefined when the AST was
       * unavailable). Read on first call, once: only files with return-code findings need them.
       */
      readonly readReturns?: () => Promise<ReturnStmtInfo[] | undefined>;
    }
  | { readonly kind: 'failed'; readonly path: string; readonly problems: Finding[] };

export type ReadOutcome = Input | { readonly kind: 'unreadable'; readonly message: string } | { readonly kind: 'fatal'; readonly message: string };

export function isElf(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
}

/** Reads or compiles `path`: `unreadable` for a missing file, `fatal` when no clang can be found. */
export async function readInput(path: string, io: CliIo, opts: InputOptions): Promise<ReadOutcome> {
  const abs = resolve(io.cwd, path);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(abs);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { kind: 'unreadable', message: `cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.message}` };
  }
  if (isElf(bytes)) return { kind: 'object', path, bytes, problems: [] };
  const clang = opts.clangPath === undefined ? {} : { clangPath: opts.clangPath };
  const r = await compile({ file: abs, includeDirs: [...opts.includeDirs], defines: [...opts.defines], ...clang });
  const missing = r.problems.find((p) => p.code === 'toolchain/clang-missing');
  if (missing) return { kind: 'fatal', message: missing.message };
  let returns: Promise<ReturnStmtInfo[] | undefined> | undefined;
  const readReturns = (): Promise<ReturnStmtInfo[] | undefined> =>
    (returns ??= sourceReturns({ file: abs, includeDirs: opts.includeDirs, defines: opts.defines, ...clang }));
  if (r.ok && r.object) return { kind: 'object', path, bytes: r.object, problems: r.problems, readReturns };
  return { kind: 'failed', path, problems: r.problems };
}
