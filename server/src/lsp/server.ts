// Wiring: one line per capability. Each handler converts in (positions.ts), calls the feature
// module, converts out; nothing here knows about clang or the core's internals.
import { join } from 'node:path';
import {
  CodeActionKind,
  TextDocumentSyncKind,
  TextDocuments,
  type Connection,
  type InitializeResult,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { driverIds, findDriver } from '../core/drivers';
import { AnalysisHost } from '../worker/host';
import { AnalysisRuns, lineTextOf } from './analysisRuns';
import { codeActions } from './codeActions';
import { SERVER_COMMANDS, executeCommand } from './commands';
import { hover } from './hover';
import { fromLspPosition } from './positions';
import { SettingsSource, type SessionOverrides } from './settings';

export interface ServerOptions {
  /** The worker bundle; default: worker.js next to this bundle (server/out/). */
  readonly workerPath?: string;
  /** Environment for the worker thread (tests enable their hooks here). */
  readonly workerEnv?: NodeJS.ProcessEnv;
}

export interface RunningServer {
  readonly host: AnalysisHost;
  readonly runs: () => AnalysisRuns | undefined;
}

export function startServer(connection: Connection, opts: ServerOptions = {}): RunningServer {
  const documents = new TextDocuments(TextDocument);
  const host = new AnalysisHost({
    workerPath: opts.workerPath ?? join(__dirname, 'worker.js'),
    ...(opts.workerEnv ? { env: opts.workerEnv } : {}),
    log: (m) => connection.console.log(m),
  });
  const overrides: SessionOverrides = {};
  let runs: AnalysisRuns | undefined;
  let settings: SettingsSource | undefined;

  connection.onInitialize((params): InitializeResult => {
    const canAsk = params.capabilities.workspace?.configuration === true;
    const init = params.initializationOptions as { settings?: unknown } | undefined;
    settings = new SettingsSource(connection, canAsk, init?.settings, overrides);
    runs = new AnalysisRuns(connection, host, settings, documents);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        executeCommandProvider: { commands: SERVER_COMMANDS },
      },
      serverInfo: { name: 'xdp-language-server', version: '0.1.0' },
    };
  });

  // didOpen is followed by a content-change event for the same version: only later versions are edits.
  const openedAt = new Map<string, number>();
  documents.onDidOpen((e) => {
    openedAt.set(e.document.uri, e.document.version);
    runs?.onOpen(e.document);
  });
  documents.onDidSave((e) => runs?.onSave(e.document));
  documents.onDidChangeContent((e) => {
    if (openedAt.get(e.document.uri) !== e.document.version) runs?.onChange(e.document);
  });
  documents.onDidClose((e) => {
    openedAt.delete(e.document.uri);
    runs?.onClose(e.document.uri);
  });
  connection.onDidChangeConfiguration(() => runs?.reanalyzeAll());

  connection.onHover((params) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc || !runs) return null;
    const lineText = lineTextOf(doc);
    const line = lineText(params.position.line) ?? '';
    const last = runs.lastResult(doc.uri);
    return hover({
      report: last?.report,
      ...(last?.lineStates ? { lineStates: last.lineStates } : {}),
      at: fromLspPosition(params.position, lineText),
      word: wordAt(line, params.position.character),
      isReturnLine: /^\s*return\b/.test(line),
    });
  });

  connection.onCodeAction((params) => {
    const doc = documents.get(params.textDocument.uri);
    return codeActions(params, doc && { uri: doc.uri, version: doc.version, lineText: lineTextOf(doc) });
  });

  connection.onExecuteCommand((params) => {
    if (!runs || !settings) return null;
    return executeCommand(params, { connection, host, runs, overrides, settings, driverIds, findDriver: (id) => findDriver(id)?.id });
  });

  connection.onShutdown(() => host.dispose());
  documents.listen(connection);
  connection.listen();
  return { host, runs: () => runs };
}

/** The C identifier under a UTF-16 column of a line (plain character classes: no parsing needed). */
function wordAt(line: string, character: number): string | undefined {
  const isId = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);
  let s = character;
  let e = character;
  while (s > 0 && isId(line[s - 1])) s--;
  while (e < line.length && isId(line[e])) e++;
  const w = line.slice(s, e);
  return w && /^[A-Za-z_]/.test(w) ? w : undefined;
}
