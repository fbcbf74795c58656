// XDP Lens for VS Code. activate() only wires the pieces: the language client starts when a C
// file with an XDP program is open, and not at all in an untrusted workspace (restricted mode).
import * as vscode from 'vscode';
import { XdpSession } from './session';

let session: XdpSession | undefined;

export function activate(context: vscode.ExtensionContext): void {
  session = new XdpSession(context);
  context.subscriptions.push(session);
  session.start();
}

export async function deactivate(): Promise<void> {
  await session?.stop();
  session = undefined;
}
