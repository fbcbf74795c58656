// xdp-language-server: `--stdio` for any LSP client, `--node-ipc` for the VS Code extension
// (vscode-languageserver picks the transport from the command line).
import { ProposedFeatures, createConnection } from 'vscode-languageserver/node';
import { startServer } from './server';

const argv = process.argv.slice(2);
if (argv.includes('--version')) {
  process.stdout.write('xdp-language-server 0.1.0\n');
  process.exit(0);
}
if (!argv.some((a) => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket=') || a.startsWith('--pipe='))) {
  process.stderr.write('usage: xdp-language-server --stdio | --node-ipc | --socket=PORT | --pipe=NAME\n');
  process.exit(2);
}
startServer(createConnection(ProposedFeatures.all));
