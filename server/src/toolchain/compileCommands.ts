// Reads the include paths and defines a build system recorded for a file in
// compile_commands.json (the JSON Compilation Database clangd uses). Only flags that change
// what the preprocessor and front end see are taken; the target, optimisation and output
// flags stay ours (-target bpf -g -O2).
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export interface CompileCommandFlags {
  /** The compile_commands.json the flags came from. */
  readonly database: string;
  /** Flags to pass to clang, paths made absolute against the entry's directory. */
  readonly flags: string[];
}

interface Entry {
  readonly directory?: string;
  readonly file?: string;
  readonly arguments?: unknown;
  readonly command?: unknown;
}

const cache = new Map<string, { mtimeMs: number; entries: Entry[] }>();

/** Flags for `file` from the nearest compile_commands.json upward (also tried in each `build/`), if it lists the file. */
export function compileCommandFlags(file: string): CompileCommandFlags | undefined {
  const abs = resolve(file);
  for (let dir = dirname(abs); ; dir = dirname(dir)) {
    for (const db of [join(dir, 'compile_commands.json'), join(dir, 'build', 'compile_commands.json')]) {
      const entries = readDatabase(db);
      if (!entries) continue;
      // The nearest database decides: a file it does not list gets no flags from further up.
      const entry = entries.find((e) => typeof e.file === 'string' && resolve(e.directory ?? dirname(db), e.file) === abs);
      return entry ? { database: db, flags: relevantFlags(entry, dirname(db)) } : undefined;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function readDatabase(path: string): Entry[] | undefined {
  let mtimeMs: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return undefined;
    mtimeMs = st.mtimeMs;
  } catch {
    return undefined;
  }
  const hit = cache.get(path);
  if (hit && hit.mtimeMs === mtimeMs) return hit.entries;
  let entries: Entry[] = [];
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (Array.isArray(parsed)) entries = parsed.filter((e): e is Entry => typeof e === 'object' && e !== null);
  } catch {
    // A malformed database is treated as an empty one: it must not stop the compile.
  }
  cache.set(path, { mtimeMs, entries });
  return entries;
}

const PATH_FLAGS = ['-I', '-isystem', '-iquote', '-idirafter', '-include'];
const VALUE_FLAGS = ['-D', '-U'];
/** Flags clang also accepts glued to their value (`-Ifoo`, `-DX=1`). */
const JOINABLE = ['-I', '-D', '-U', '-isystem'];

export function relevantFlags(entry: Entry, fallbackDir: string): string[] {
  const dir = entry.directory ?? fallbackDir;
  const argv = Array.isArray(entry.arguments)
    ? entry.arguments.filter((a): a is string => typeof a === 'string')
    : typeof entry.command === 'string'
      ? splitCommand(entry.command)
      : [];
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('-std=')) {
      out.push(a);
      continue;
    }
    const flag = [...PATH_FLAGS, ...VALUE_FLAGS].find((f) => a === f || (JOINABLE.includes(f) && a.startsWith(f)));
    if (!flag) continue;
    let value = a.length > flag.length ? a.slice(flag.length) : argv[++i];
    if (value === undefined) break;
    if (PATH_FLAGS.includes(flag)) value = resolve(dir, value);
    out.push(flag, value);
  }
  return out;
}

/** Splits a shell command line the way a POSIX shell would for plain words, quotes and backslashes. */
export function splitCommand(cmd: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < cmd.length && '"\\$`'.includes(cmd[i + 1]!)) cur += cmd[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === '\\' && i + 1 < cmd.length) {
      cur += cmd[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
    }
  }
  if (has || cur) out.push(cur);
  return out;
}
