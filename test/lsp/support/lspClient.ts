// A small LSP client for protocol tests: speaks JSON-RPC over any pair of streams (in-process
// pipes or a spawned server's stdio), answers workspace/configuration from a settings object,
// records every publishDiagnostics and xdp/status notification, and waits on conditions
// instead of sleeping.
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import type {
  CodeAction,
  CodeActionParams,
  Diagnostic,
  Hover,
  InitializeParams,
  InitializeResult,
  PublishDiagnosticsParams,
  TextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver-protocol';
import type { StatusParams } from '../../../server/src/lsp/protocol';

export interface Published {
  readonly uri: string;
  readonly version?: number;
  readonly diagnostics: Diagnostic[];
  readonly at: number;
}

export class LspTestClient {
  readonly conn: MessageConnection;
  readonly published: Published[] = [];
  readonly statuses: StatusParams[] = [];
  readonly logs: string[] = [];
  settings: Record<string, unknown> = {};
  /** What the user "picks" when the server asks with window/showMessageRequest (undefined: dismiss). */
  pick: ((titles: string[]) => string | undefined) | undefined;
  private versions = new Map<string, number>();
  private texts = new Map<string, string>();
  private waiters: (() => void)[] = [];

  constructor(input: NodeJS.ReadableStream, output: NodeJS.WritableStream) {
    this.conn = createMessageConnection(new StreamMessageReader(input), new StreamMessageWriter(output));
    this.conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.published.push({ uri: p.uri, ...(p.version === undefined ? {} : { version: p.version }), diagnostics: p.diagnostics, at: performance.now() });
      this.wake();
    });
    this.conn.onNotification('xdp/status', (p: StatusParams) => {
      this.statuses.push(p);
      this.wake();
    });
    this.conn.onNotification('window/logMessage', (p: { message: string }) => {
      this.logs.push(p.message);
    });
    this.conn.onRequest('workspace/configuration', (p: unknown) => (p as { items: unknown[] }).items.map(() => this.settings));
    this.conn.onRequest('window/showMessageRequest', (p: unknown) => {
      const titles = ((p as { actions?: { title: string }[] }).actions ?? []).map((a) => a.title);
      const t = this.pick?.(titles);
      return t === undefined ? null : { title: t };
    });
    this.conn.listen();
  }

  async initialize(opts: { configuration?: boolean; initSettings?: unknown } = {}): Promise<InitializeResult> {
    const params: InitializeParams = {
      processId: process.pid,
      rootUri: null,
      capabilities: { workspace: { configuration: opts.configuration ?? true }, textDocument: { publishDiagnostics: { versionSupport: true } } },
      ...(opts.initSettings === undefined ? {} : { initializationOptions: { settings: opts.initSettings } }),
    };
    const r = await this.conn.sendRequest<InitializeResult>('initialize', params);
    await this.conn.sendNotification('initialized', {});
    return r;
  }

  open(path: string, text = readFileSync(path, 'utf8')): string {
    const uri = pathToFileURL(path).href;
    this.versions.set(uri, 1);
    this.texts.set(uri, text);
    void this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text } });
    return uri;
  }

  /** Replaces the whole text (a new version); returns the new version. */
  change(uri: string, text: string): number {
    const v = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, v);
    this.texts.set(uri, text);
    void this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ text }] });
    return v;
  }

  save(uri: string): void {
    void this.conn.sendNotification('textDocument/didSave', { textDocument: { uri } });
  }

  close(uri: string): void {
    void this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  version(uri: string): number {
    return this.versions.get(uri) ?? 0;
  }

  text(uri: string): string {
    return this.texts.get(uri) ?? '';
  }

  hover(uri: string, line: number, character: number): Promise<Hover | null> {
    return this.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character } });
  }

  codeActions(uri: string, diagnostics: Diagnostic[]): Promise<CodeAction[] | null> {
    const range = diagnostics[0]?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const params: CodeActionParams = { textDocument: { uri }, range, context: { diagnostics } };
    return this.conn.sendRequest('textDocument/codeAction', params);
  }

  executeCommand(command: string, args: unknown[] = []): Promise<unknown> {
    return this.conn.sendRequest('workspace/executeCommand', { command, arguments: args });
  }

  /** The latest diagnostics published for a uri (undefined: none yet). */
  latest(uri: string): Published | undefined {
    for (let i = this.published.length - 1; i >= 0; i--) if (this.published[i]!.uri === uri) return this.published[i];
    return undefined;
  }

  /** Waits until `pred` holds (checked after every notification), or fails after `ms`. */
  async until<T>(what: string, pred: () => T | undefined | false, ms = 30_000): Promise<T> {
    const deadline = performance.now() + ms;
    for (;;) {
      const v = pred();
      if (v) return v;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for diagnostics published for `uri` at `version` (or any version when omitted) after index `since`. */
  diagnosticsFor(uri: string, version?: number, since = 0, ms?: number): Promise<Published> {
    return this.until(`diagnostics for ${uri}${version === undefined ? '' : ` v${version}`}`, () =>
      this.published.slice(since).find((p) => p.uri === uri && (version === undefined || p.version === version)),
    ms);
  }

  async shutdown(): Promise<void> {
    await this.conn.sendRequest('shutdown');
    await this.conn.sendNotification('exit');
    this.conn.dispose();
  }

  private wake(): void {
    const w = this.waiters.splice(0);
    for (const f of w) f();
  }
}

/** Applies a WorkspaceEdit's edits for one uri to a text (edits must not overlap). */
export function applyEdit(text: string, edit: WorkspaceEdit | undefined, uri: string): string {
  const edits: TextEdit[] = edit?.changes?.[uri] ?? [];
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }): number => {
    let o = 0;
    for (let i = 0; i < p.line; i++) o += lines[i]!.length + 1;
    return o + p.character;
  };
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}
