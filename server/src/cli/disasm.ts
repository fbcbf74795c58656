// `xdp-check disasm [--format text|objdump|json] [--program NAME] FILE.{c,o}`
//   objdump: exactly the listing `llvm-objdump -d --no-show-raw-insn` (LLVM 14) prints;
//   text:    each program as loaded (subprograms linked), C source lines, helper and map names;
//   json:    the same per instruction: slot, text, and source location.
import { parseElf } from '../core/elf/elf';
import { formatInsn } from '../core/isa/disasm';
import { objdumpListing, programListing } from '../core/isa/listing';
import { loadObject } from '../core/loader/index';
import { Result } from '../core/result';
import { commandArgs, formatOptions, type OptionSpec } from './args';
import { COMPILE_OPTIONS, inputOptions, readInput } from './input';
import { ExitCode, type CliIo } from './io';
import { formatText } from './textReport';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'format', value: true, choices: ['text', 'objdump', 'json'], arg: 'text|objdump|json', help: 'output form (default text)' },
  { name: 'program', value: true, arg: 'NAME', help: 'only this program (text and json forms)' },
  { name: 'no-source', help: 'leave out the interleaved C source lines (text form)' },
  ...COMPILE_OPTIONS,
  { name: 'help', short: 'h', help: 'show this help' },
];

const USAGE = `usage: xdp-check disasm [options] FILE.{c,o}\n\n${formatOptions(OPTIONS)}\n`;

export async function disasmCommand(argv: string[], io: CliIo): Promise<number> {
  const args = commandArgs(argv, OPTIONS, { name: 'disasm', usage: USAGE, files: 'one' }, io);
  if (typeof args === 'number') return args;
  const path = args.positionals[0]!;
  const input = await readInput(path, io, inputOptions(args, io.cwd));
  if (input.kind === 'unreadable' || input.kind === 'fatal') {
    io.stderr(`xdp-check: ${input.message}\n`);
    return ExitCode.USAGE;
  }
  if (input.kind === 'failed') {
    io.stderr(formatText({ version: 1, target: { driver: null, kernel: null }, files: [{ path, diagnostics: input.problems, programs: [] }] }, io.cwd));
    return ExitCode.FINDINGS;
  }
  const format = args.get('format') ?? 'text';
  if (format === 'objdump') {
    const elf = parseElf(input.bytes);
    if (!elf.ok) return loadFailure(io, path, Result.format(elf.error));
    const { text, errors } = objdumpListing(elf.value, path);
    io.stdout(text);
    for (const e of errors) io.stderr(`${path}: section ${e.section}: ${e.message}\n`);
    return errors.length > 0 ? ExitCode.FINDINGS : ExitCode.CLEAN;
  }
  const loaded = loadObject(input.bytes);
  if (!loaded.ok) return loadFailure(io, path, Result.format(loaded.error));
  const obj = loaded.value;
  const wanted = args.get('program');
  const programs = wanted === undefined ? obj.programs : obj.programs.filter((p) => p.name === wanted);
  if (programs.length === 0) {
    io.stderr(`xdp-check disasm: ${wanted === undefined ? `${path} holds no programs` : `no program '${wanted}' in ${path} (it has: ${obj.programs.map((p) => p.name).join(', ') || 'none'})`}\n`);
    return ExitCode.USAGE;
  }
  if (format === 'json') {
    const mapName = (i: number): string | undefined => obj.maps[i]?.name;
    const json = {
      file: path,
      programs: programs.map((p) => ({
        name: p.name,
        section: p.section,
        insns: p.insns.flatMap((insn, slot) => {
          if (insn.tail) return [];
          const loc = p.lines[slot];
          return [{ slot, text: formatInsn(p.insns, slot, { dialect: 'modern', mapName }), ...(loc ? { line: loc.line, column: loc.column, source: loc.text } : {}) }];
        }),
      })),
    };
    io.stdout(JSON.stringify(json, null, 2) + '\n');
    return ExitCode.CLEAN;
  }
  io.stdout(programs.map((p) => programListing(obj, p, { source: !args.has('no-source') })).join('\n'));
  return ExitCode.CLEAN;
}

function loadFailure(io: CliIo, path: string, message: string): number {
  io.stderr(`${path}: error: ${message}\n`);
  return ExitCode.FINDINGS;
}
