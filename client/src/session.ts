// The extension's life cycle: wait for an XDP C file, honour workspace trust, start the language
// server over node IPC, and own the status bar, commands and the disassembly view.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { hasXdpProgram } from '../../server/src/lsp/protocol';
import { registerCommands } from './commands';
import { DisassemblyProvider } from './disassembly';
import { createLanguageClient } from './languageClient';
import { TargetStatusBar } from './statusBar';

export class XdpSession implements vscode.Disposable {
  readonly output: vscode.LogOutputChannel;
  readonly statusBar: TargetStatusBar;
  client: LanguageClient | undefined;
  private starting: Promise<void> | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly context: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('XDP Lens', { log: true });
    this.statusBar = new TargetStatusBar();
    this.disposables.push(this.output, this.statusBar);
    this.disposables.push(...registerCommands(this));
    this.disposables.push(vscode.workspace.registerTextDocumentContentProvider('xdp-disasm', new DisassemblyProvider(this)));
  }

  start(): void {
    if (!vscode.workspace.isTrusted) {
      this.statusBar.showRestricted();
      this.output.appendLine('Restricted mode: this workspace is not trusted, so XDP Lens does not run clang on its files (compiling runs the preprocessor on workspace headers and takes flags from compile_commands.json). Trust the workspace to enable diagnostics.');
      this.disposables.push(vscode.workspace.onDidGrantWorkspaceTrust(() => this.start()));
      return;
    }
    if (vscode.workspace.textDocuments.some(isXdpDocument)) {
      void this.ensureClient();
      return;
    }
    // onLanguage:c activated us, but no open C file has an XDP program yet: wait for one.
    const sub = vscode.workspace.onDidOpenTextDocument((doc) => {
      if (isXdpDocument(doc)) {
        sub.dispose();
        void this.ensureClient();
      }
    });
    this.disposables.push(sub);
  }

  ensureClient(): Promise<void> {
    this.starting ??= (async () => {
      const client = createLanguageClient(this.context, this.output, (p) => this.statusBar.onStatus(p));
      this.client = client;
      await client.start();
      this.statusBar.showTarget();
      this.output.appendLine('XDP Lens language server started.');
    })().catch((e: unknown) => {
      this.output.appendLine(`XDP Lens language server failed to start: ${String(e)}`);
      void vscode.window.showErrorMessage('XDP Lens: the language server failed to start (see the XDP Lens output).');
    });
    return this.starting;
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await c.stop();
  }

  dispose(): void {
    void this.stop();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function isXdpDocument(doc: vscode.TextDocument): boolean {
  return doc.languageId === 'c' && doc.uri.scheme === 'file' && hasXdpProgram(doc.getText());
}
