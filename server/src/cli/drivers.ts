// `xdp-check drivers [--format text|json] [ID]`: list the driver capability profiles, or show one
// with every fact's source. Also exports the id lookup the check command's --driver uses.
import { DRIVER_PROFILES, driverIds as profileIds, findDriver as findProfile, unknownDriverMessage, type DriverProfile } from '../core/drivers/index';
import { profileDetail, textTable } from '../core/drivers/table';
import { commandArgs, type OptionSpec } from './args';
import { ExitCode, type CliIo } from './io';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'format', value: true, arg: 'FORMAT', choices: ['text', 'json'], help: 'text (default) or json' },
  { name: 'help', short: 'h', help: 'show this help' },
];

export const DRIVERS_USAGE = `usage: xdp-check drivers [--format text|json] [ID]

Without ID: one line per driver profile (module name, XDP version, actions, redirect target,
headroom, data_meta, tail growth, tailroom, multi-buffer RX, max MTU, AF_XDP zero-copy, metadata
kfuncs, offload). With ID (a module name or alias such as mlx5): every fact of that profile with
its kernel source. '?' marks values the sources leave uncertain.

options:
${OPTIONS.map((o) => `  --${o.name}${o.arg ? ` ${o.arg}` : ''}`.padEnd(22) + o.help).join('\n')}`;

export function driverIds(): string[] {
  return profileIds();
}

export function findDriver(id: string): DriverProfile | undefined {
  return findProfile(id);
}

export async function driversCommand(argv: string[], io: CliIo): Promise<number> {
  const args = commandArgs(argv, OPTIONS, { name: 'drivers', usage: DRIVERS_USAGE }, io);
  if (typeof args === 'number') return args;
  const json = args.get('format') === 'json';
  if (args.positionals.length > 1) {
    io.stderr(`xdp-check drivers: at most one driver id (got ${args.positionals.length})\n`);
    return ExitCode.USAGE;
  }
  const id = args.positionals[0];
  if (id === undefined) {
    io.stdout(json ? JSON.stringify(DRIVER_PROFILES, null, 2) + '\n' : textTable(DRIVER_PROFILES));
    return ExitCode.CLEAN;
  }
  const p = findProfile(id);
  if (!p) {
    io.stderr(`xdp-check drivers: ${unknownDriverMessage(id)}\n`);
    return ExitCode.USAGE;
  }
  io.stdout(json ? JSON.stringify(p, null, 2) + '\n' : profileDetail(p));
  return ExitCode.CLEAN;
}
