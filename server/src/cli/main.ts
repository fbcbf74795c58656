// The `xdp-check` bin (server/out/cli.js). Anything thrown past a command is a bug: print it
// and exit 2 rather than let Node print an unhandled rejection.
import { runCli } from './dispatch';
import { processIo } from './io';

runCli(process.argv.slice(2), processIo).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`xdp-check: internal error (please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 2;
  },
);
