// The subcommand dispatcher behind the `xdp-check` bin. Tests call runCli() in-process with
// their own CliIo; main.ts calls it with the process's streams and exits with its status.
import { checkCommand } from './check';
import { disasmCommand } from './disasm';
import { driversCommand } from './drivers';
import { ExitCode, type CliIo } from './io';
import { runCommand } from './run';
import { TOOL_VERSION } from './version';

type Command = (argv: string[], io: CliIo) => Promise<number>;

const COMMANDS: readonly { name: string; run: Command; summary: string }[] = [
  { name: 'check', run: checkCommand, summary: 'compile and analyse XDP programs; report findings (text, json, sarif)' },
  { name: 'disasm', run: disasmCommand, summary: 'disassemble a BPF object or C file (LLVM syntax, source lines interleaved)' },
  { name: 'run', run: runCommand, summary: 'run a program on packets in the emulator' },
  { name: 'drivers', run: driversCommand, summary: 'list the driver capability profiles' },
];

export const MAIN_USAGE = `usage: xdp-check <command> [options] [FILE...]

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(8)}  ${c.summary}`).join('\n')}

xdp-check <command> --help shows a command's options.
exit status: 0 clean, 1 findings at error severity, 2 usage or toolchain failure`;

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    if (first === 'help' && rest[0]) return runCli([rest[0], '--help'], io);
    (first === undefined ? io.stderr : io.stdout)(MAIN_USAGE + '\n');
    return first === undefined ? ExitCode.USAGE : ExitCode.CLEAN;
  }
  if (first === '--version' || first === '-V') {
    io.stdout(`xdp-check ${TOOL_VERSION}\n`);
    return ExitCode.CLEAN;
  }
  const cmd = COMMANDS.find((c) => c.name === first);
  if (!cmd) {
    io.stderr(`xdp-check: unknown command '${first}'\n${MAIN_USAGE}\n`);
    return ExitCode.USAGE;
  }
  return cmd.run(rest, io);
}
