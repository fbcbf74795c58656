// A small, strict command-line parser shared by the subcommands: `--name value`, `--name=value`,
// short options glued or not (`-I dir`, `-Idir`, `-DX=1`), `--` ends options. Unknown options and
// missing values are usage errors (exit 2), reported as values, never thrown.

export interface OptionSpec {
  /** Long name without dashes (`driver` for --driver). */
  readonly name: string;
  /** One-letter alias without the dash (`I` for -I). */
  readonly short?: string;
  /** Takes a value (otherwise a boolean flag). */
  readonly value?: boolean;
  /** May be given more than once (values accumulate). */
  readonly repeat?: boolean;
  /** Allowed values. */
  readonly choices?: readonly string[];
  /** Placeholder and text for --help. */
  readonly arg?: string;
  readonly help: string;
}

export interface ParsedArgs {
  readonly positionals: string[];
  /** Last value of a value option, or undefined. */
  get(name: string): string | undefined;
  /** Every value of a repeatable option, in order. */
  all(name: string): string[];
  /** Whether a flag (or any value option) was given. */
  has(name: string): boolean;
}

import { ExitCode, type CliIo } from './io';

export type ParseResult = { readonly ok: true; readonly args: ParsedArgs } | { readonly ok: false; readonly message: string };

export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParseResult {
  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));

  const put = (spec: OptionSpec, v: string): string | undefined => {
    if (spec.choices && !spec.choices.includes(v)) return `--${spec.name} must be one of ${spec.choices.join(', ')} (got '${v}')`;
    const prev = values.get(spec.name);
    if (prev && !spec.repeat && spec.value) prev.splice(0, prev.length);
    values.set(spec.name, [...(prev ?? []), v]);
    return undefined;
  };

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    let shown = a;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      inline = eq >= 0 ? a.slice(eq + 1) : undefined;
      spec = byLong.get(name);
      shown = `--${name}`;
    } else if (a.startsWith('-') && a.length > 1) {
      spec = byShort.get(a[1]!);
      shown = a.slice(0, 2);
      if (spec && a.length > 2) {
        if (!spec.value) return { ok: false, message: `${shown} takes no value (got '${a}')` };
        inline = a.slice(2);
      }
    } else {
      positionals.push(a);
      continue;
    }
    if (!spec) return { ok: false, message: `unknown option '${a}'` };
    if (!spec.value) {
      if (inline !== undefined) return { ok: false, message: `${shown} takes no value` };
      values.set(spec.name, ['true']);
      continue;
    }
    const v = inline ?? argv[++i];
    if (v === undefined) return { ok: false, message: `${shown} needs a value${spec.arg ? ` (${spec.arg})` : ''}` };
    const err = put(spec, v);
    if (err) return { ok: false, message: err };
  }

  const args: ParsedArgs = {
    positionals,
    get: (n) => values.get(n)?.at(-1),
    all: (n) => [...(values.get(n) ?? [])],
    has: (n) => values.has(n),
  };
  return { ok: true, args };
}

/** The options block of a --help text, aligned. */
export function formatOptions(specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => {
    const names = [s.short ? `-${s.short}` : undefined, `--${s.name}`].filter(Boolean).join(', ');
    return [`${names}${s.value ? ` ${s.arg ?? 'VALUE'}` : ''}`, s.help] as const;
  });
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([l, h]) => `  ${l.padEnd(w)}  ${h}`).join('\n');
}

/**
 * A subcommand's arguments, or the exit code when they end the command here: a usage error
 * (message and usage on stderr, exit 2) or --help (usage on stdout, exit 0). With `files: 'one'`,
 * exactly one positional FILE is required.
 */
export function commandArgs(
  argv: readonly string[],
  specs: readonly OptionSpec[],
  cmd: { name: string; usage: string; files?: 'one' },
  io: CliIo,
): ParsedArgs | number {
  const usage = cmd.usage.endsWith('\n') ? cmd.usage : `${cmd.usage}\n`;
  const fail = (message: string): number => {
    io.stderr(`xdp-check ${cmd.name}: ${message}\n${usage}`);
    return ExitCode.USAGE;
  };
  const parsed = parseArgs(argv, specs);
  if (!parsed.ok) return fail(parsed.message);
  if (parsed.args.has('help')) {
    io.stdout(usage);
    return ExitCode.CLEAN;
  }
  const n = parsed.args.positionals.length;
  if (cmd.files === 'one' && n !== 1) return fail(`expected one FILE, got ${n}`);
  return parsed.args;
}
