// The annotated disassembly as a virtual document: xdp-disasm:/path/file.c.s?<document uri>.
// Its text comes from the server (which asks the worker to disassemble the last compiled object),
// and the `xdp-disasm` grammar in syntaxes/ highlights it.
import * as vscode from 'vscode';
import { ExecuteCommandRequest } from 'vscode-languageclient/node';
import { DISASM_SCHEME, ServerCommands } from '../../server/src/lsp/protocol';
import type { XdpSession } from './session';

export function disassemblyUri(source: vscode.Uri): vscode.Uri {
  return vscode.Uri.from({ scheme: DISASM_SCHEME, path: `${source.path}.s`, query: source.toString() });
}

export class DisassemblyProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly session: XdpSession) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    await this.session.ensureClient();
    const client = this.session.client;
    if (!client) return '; XDP Lens is not running (restricted mode or start failure: see the XDP Lens output)\n';
    try {
      const text = await client.sendRequest(ExecuteCommandRequest.type, { command: ServerCommands.disassembly, arguments: [uri.query] });
      return typeof text === 'string' ? text : '; no disassembly\n';
    } catch (e) {
      return `; ${(e as Error).message}\n`;
    }
  }
}
