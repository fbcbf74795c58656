// Placeholder until the emulator's `run` command lands (issue 4); the emulator helper replaces it.
import { ExitCode, type CliIo } from './io';

export async function runCommand(_argv: string[], io: CliIo): Promise<number> {
  io.stderr('xdp-check run: not available in this build\n');
  return ExitCode.USAGE;
}
