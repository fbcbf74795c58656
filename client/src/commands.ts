// The extension's commands. Driver and kernel choices are written to the `xdp` settings (the
// server reads them per resource); the lists come from the server, so the client carries no copy
// of the driver tables.
import * as vscode from 'vscode';
import { ExecuteCommandRequest } from 'vscode-languageclient/node';
import { ServerCommands } from '../../server/src/lsp/protocol';
import { disassemblyUri } from './disassembly';
import type { XdpSession } from './session';

/** Kernels users commonly target: LTS releases and the running reference. */
const KERNELS = ['5.4', '5.10', '5.15', '6.1', '6.6', '6.12'];

export function registerCommands(session: XdpSession): vscode.Disposable[] {
  const reg = vscode.commands.registerCommand;
  return [
    reg('xdp.selectTarget', async () => {
      const pick = await vscode.window.showQuickPick(
        [
          { label: '$(circuit-board) Select driver…', id: 'driver' },
          { label: '$(versions) Select kernel…', id: 'kernel' },
        ],
        { placeHolder: 'XDP Lens: what to check against' },
      );
      if (pick?.id === 'driver') await vscode.commands.executeCommand('xdp.selectDriver');
      if (pick?.id === 'kernel') await vscode.commands.executeCommand('xdp.selectKernel');
    }),
    reg('xdp.selectDriver', async () => {
      const client = await clientOf(session);
      if (!client) return;
      const ids = (await client.sendRequest(ExecuteCommandRequest.type, { command: ServerCommands.listDrivers, arguments: [] })) as string[];
      const none = { label: '(none)', description: 'skip driver-dependent checks', id: null as string | null };
      const pick = await vscode.window.showQuickPick([none, ...ids.map((id) => ({ label: id, id: id as string | null }))], {
        placeHolder: 'Driver the XDP program will run on',
      });
      if (!pick) return;
      await vscode.workspace.getConfiguration('xdp').update('driver', pick.id, configTarget());
    }),
    reg('xdp.selectKernel', async () => {
      const items = [{ label: '(running reference)', id: null as string | null }, ...KERNELS.map((k) => ({ label: k, id: k as string | null }))];
      const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Kernel the XDP program must load on' });
      if (!pick) return;
      await vscode.workspace.getConfiguration('xdp').update('kernel', pick.id, configTarget());
    }),
    reg('xdp.showDisassembly', async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor || editor.document.languageId !== 'c') {
        void vscode.window.showInformationMessage('XDP Lens: open an XDP C file first.');
        return;
      }
      const doc = await vscode.workspace.openTextDocument(disassemblyUri(editor.document.uri));
      await vscode.languages.setTextDocumentLanguage(doc, 'xdp-disasm');
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    }),
    reg('xdp.reanalyze', async () => {
      const client = await clientOf(session);
      await client?.sendRequest(ExecuteCommandRequest.type, { command: ServerCommands.reanalyze, arguments: [] });
    }),
    reg('xdp.showOutput', () => session.output.show(true)),
  ];
}

async function clientOf(session: XdpSession) {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('XDP Lens is in restricted mode: trust the workspace to analyse XDP programs.');
    return undefined;
  }
  await session.ensureClient();
  return session.client;
}

function configTarget(): vscode.ConfigurationTarget {
  return vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
}
