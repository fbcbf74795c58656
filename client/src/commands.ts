// The extension's commands. Driver and kernel choices are written to the `xdp` settings (the
// server reads them per resource); the lists come from the server, so the client carries no copy
// of the driver tables.
import * as vscode from 'vscode';
import { ExecuteCommandRequest } from 'vscode-languageclient/node';
import { ServerCommands } from '../../server/src/lsp/protocol';
import { disassemblyUri } from './disassembly';
import type { XdpSession } from './session';
import type { KernelChoice } from '../../server/src/core/drivers/kernels';

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
      const client = await clientOf(session);
      if (!client) return;
      const kernels = (await client.sendRequest(ExecuteCommandRequest.type, { command: ServerCommands.listKernels, arguments: [] })) as KernelChoice[];
      const items = [
        { label: '(running reference)', description: 'the newest kernel the tables describe', id: null as string | null },
        ...kernels.map((k) => ({
          label: k.version,
          description: k.longterm ? 'longterm' : '',
          detail: k.adds.length ? `brings ${listed(k.adds)}` : undefined,
          id: k.version as string | null,
        })),
      ];
      const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Kernel the XDP program must load on', matchOnDetail: true });
      if (!pick) return;
      await vscode.workspace.getConfiguration('xdp').update('kernel', pick.id, configTarget());
    }),
    reg('xdp.showDisassembly', async () => {
      const editor = activeC();
      if (!editor) return;
      const doc = await vscode.workspace.openTextDocument(disassemblyUri(editor.document.uri));
      await vscode.languages.setTextDocumentLanguage(doc, 'xdp-disasm');
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    }),
    reg('xdp.runOnPacket', async () => {
      const editor = activeC();
      const client = editor && (await clientOf(session));
      if (!editor || !client) return;
      const how = await vscode.window.showQuickPick(
        [{ label: 'Hex bytes of an Ethernet frame…', id: 'hex' }, { label: 'Packets from a pcap file…', id: 'pcap' }],
        { placeHolder: 'Run the XDP program in the emulator on' },
      );
      let args: Record<string, string> | undefined;
      if (how?.id === 'hex') {
        const hex = await vscode.window.showInputBox({ prompt: 'Ethernet frame as hex (spaces allowed)', validateInput: (v) => (/^(\s*[0-9a-fA-F]{2})+\s*$/.test(v) ? undefined : 'an even number of hex digits') });
        if (hex) args = { packetHex: hex };
      } else if (how?.id === 'pcap') {
        const file = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Packet captures': ['pcap', 'pcapng', 'cap'] } });
        if (file?.[0]) args = { pcap: file[0].fsPath };
      }
      if (!args) return;
      await showResult(session, client, ServerCommands.runPacket, [editor.document.uri.toString(), args]);
    }),
    reg('xdp.showPortability', async () => {
      const editor = activeC();
      const client = editor && (await clientOf(session));
      if (!editor || !client) return;
      await showResult(session, client, ServerCommands.portability, [editor.document.uri.toString()]);
    }),
    reg('xdp.reanalyze', async () => {
      const client = await clientOf(session);
      await client?.sendRequest(ExecuteCommandRequest.type, { command: ServerCommands.reanalyze, arguments: [] });
    }),
    reg('xdp.showOutput', () => session.output.show(true)),
  ];
}

function activeC(): vscode.TextEditor | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'c') {
    void vscode.window.showInformationMessage('XDP Lens: open an XDP C file first.');
    return undefined;
  }
  return editor;
}

/** Runs a server command and shows its text answer in a read-only untitled document beside the editor. */
async function showResult(session: XdpSession, client: NonNullable<XdpSession['client']>, command: string, args: unknown[]): Promise<void> {
  try {
    const text = await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
    const doc = await vscode.workspace.openTextDocument({ content: String(text), language: 'plaintext' });
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  } catch (e) {
    session.output.error(`${command}: ${(e as Error).message}`);
    void vscode.window.showErrorMessage(`XDP Lens: ${(e as Error).message}`);
  }
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

/** "a, b, c and 4 more": a release's additions on one quick-pick line. */
function listed(names: readonly string[]): string {
  const shown = names.slice(0, 4).join(', ');
  return names.length > 4 ? `${shown} and ${names.length - 4} more` : shown;
}
