// The language client: the bundled server (server/out/main.js) over node IPC, C files on disk,
// the `xdp` settings section synchronised, xdp/status notifications forwarded to the status bar.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { StatusNotification, type StatusParams } from '../../server/src/lsp/protocol';

export function createLanguageClient(
  context: vscode.ExtensionContext,
  output: vscode.LogOutputChannel,
  onStatus: (p: StatusParams) => void,
): LanguageClient {
  const module = context.asAbsolutePath('server/out/main.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6010'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'c' }],
    synchronize: { configurationSection: 'xdp' },
    outputChannel: output,
    initializationOptions: { settings: vscode.workspace.getConfiguration('xdp') },
  };
  const client = new LanguageClient('xdpLens', 'XDP Lens', serverOptions, clientOptions);
  client.onNotification(StatusNotification, onStatus);
  return client;
}
