// The status bar item: the driver and kernel the active file is checked against, a spinner while
// an analysis runs, and a click that opens the target quick pick.
import * as vscode from 'vscode';
import type { StatusParams } from '../../server/src/lsp/protocol';

export class TargetStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('xdpLens.target', vscode.StatusBarAlignment.Right, 100);
  private last: StatusParams | undefined;

  constructor() {
    this.item.name = 'XDP Lens target';
    this.item.command = 'xdp.selectTarget';
  }

  showRestricted(): void {
    this.item.text = '$(shield) XDP: restricted';
    this.item.tooltip = 'XDP Lens does not compile files in an untrusted workspace. Trust the workspace to enable it.';
    this.item.command = 'workbench.trust.manage';
    this.item.show();
  }

  showTarget(): void {
    const cfg = vscode.workspace.getConfiguration('xdp');
    const driver = this.last?.driver ?? cfg.get<string | null>('driver') ?? null;
    const kernel = this.last?.kernel ?? cfg.get<string | null>('kernel') ?? null;
    const busy = this.last?.state === 'analyzing';
    this.item.text = `${busy ? '$(sync~spin)' : '$(circuit-board)'} XDP: ${driver ?? 'no driver'} · ${kernel ?? 'running kernel'}`;
    const l = this.last;
    const split = l?.compileMs !== undefined && l.analyzeMs !== undefined ? ` (clang ${l.compileMs} ms, analysis ${l.analyzeMs} ms)` : '';
    const outcome = l && l.state !== 'analyzing' ? `\nLast analysis: ${l.state}${l.ms !== undefined ? ` in ${l.ms} ms${split}` : ''}` : '';
    this.item.tooltip = `Driver and kernel XDP Lens checks against (click to change).${outcome}`;
    this.item.command = 'xdp.selectTarget';
    this.item.show();
  }

  onStatus(p: StatusParams): void {
    this.last = p;
    this.showTarget();
  }

  dispose(): void {
    this.item.dispose();
  }
}
