// Every subcommand writes through this, so tests can run the CLI in-process.
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
}

export const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
};

/** Exit statuses: 0 clean, 1 findings at error severity, 2 usage or toolchain failure. */
export const ExitCode = { CLEAN: 0, FINDINGS: 1, USAGE: 2 } as const;
