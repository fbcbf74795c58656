// When to analyse and what to do with the answer. Per document: analyse on open and save, and
// (verifyOn "change") debounced on edits, compiling the unsaved text. Only the latest request
// of a document publishes: an answer for a superseded request is dropped, a cancelled one
// publishes nothing, a timeout or failure publishes its one diagnostic. The last finished result
// stays available to hover and code actions while a newer analysis runs.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Connection } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { FileReport } from '../core/report';
import type { AnalysisHost } from '../worker/host';
import type { AnalysisResult, AnalyzeReply } from '../worker/messages';
import { failedDiagnostic, reportToDiagnostics, timeoutDiagnostic } from './diagnostics';
import type { LineText } from './positions';
import { StatusNotification, hasXdpProgram, type StatusParams } from './protocol';
import { CHANGE_DEBOUNCE_MS, type SettingsSource, type XdpSettings } from './settings';

export interface FinishedAnalysis {
  readonly version: number;
  readonly report: FileReport;
  readonly object?: Uint8Array;
  readonly file: string;
  readonly ms: number;
  readonly compileMs: number;
  readonly lineStates?: AnalysisResult['lineStates'];
}


export function lineTextOf(doc: TextDocument): LineText {
  return (line0) => (line0 < doc.lineCount ? doc.getText({ start: { line: line0, character: 0 }, end: { line: line0 + 1, character: 0 } }).replace(/\r?\n$/, '') : undefined);
}

export class AnalysisRuns {
  private readonly finished = new Map<string, FinishedAnalysis>();
  private readonly latest = new Map<string, number>();
  private readonly debounce = new Map<string, NodeJS.Timeout>();
  /** The settings each document's last run was given (the first guess for its next run). */
  private readonly lastSettings = new Map<string, XdpSettings>();
  private nextToken = 1;

  constructor(
    private readonly connection: Connection,
    private readonly host: AnalysisHost,
    private readonly settings: SettingsSource,
    private readonly documents: { get(uri: string): TextDocument | undefined; all(): TextDocument[] },
  ) {}

  /** The last finished analysis of a document (what hover and commands answer from). */
  lastResult(uri: string): FinishedAnalysis | undefined {
    return this.finished.get(uri);
  }

  onOpen(doc: TextDocument): void {
    void this.run(doc, 'open');
  }

  onSave(doc: TextDocument): void {
    this.clearDebounce(doc.uri);
    void this.run(doc, 'save');
  }

  onChange(doc: TextDocument): void {
    this.clearDebounce(doc.uri);
    this.debounce.set(
      doc.uri,
      setTimeout(() => {
        this.debounce.delete(doc.uri);
        void (async () => {
          const s = await this.settings.forResource(doc.uri);
          const current = this.documents.get(doc.uri);
          if (s.verifyOn === 'change' && current) await this.run(current, 'change');
        })();
      }, CHANGE_DEBOUNCE_MS),
    );
  }

  onClose(uri: string): void {
    this.clearDebounce(uri);
    this.latest.delete(uri);
    this.lastSettings.delete(uri);
    this.finished.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  reanalyzeAll(): void {
    for (const doc of this.documents.all()) void this.run(doc, 'open');
  }

  async run(doc: TextDocument, reason: 'open' | 'save' | 'change'): Promise<void> {
    const uri = doc.uri;
    if (!uri.startsWith('file:') || !hasXdpProgram(doc.getText())) {
      if (this.finished.has(uri) || this.latest.has(uri)) this.onClose(uri);
      return;
    }
    const token = this.nextToken++;
    this.latest.set(uri, token);
    const version = doc.version;
    const file = fileURLToPath(uri);
    const text = reason === 'change' ? doc.getText() : unsavedText(file, doc.getText());
    // Settings are asked from the client on every run. While it answers (a round trip, ~3 ms with
    // a local client), the analysis already starts with the settings this document had last time;
    // when the answer differs in anything the analysis uses, that job is replaced (the host
    // cancels it) by one with the new settings.
    const asked = this.settings.forResource(uri);
    const guess = this.lastSettings.get(uri);
    let pending = guess ? this.start(uri, version, file, text, guess) : undefined;
    const s = await asked;
    if (this.latest.get(uri) !== token) return;
    this.lastSettings.set(uri, s);
    if (!pending || !guess || !sameAnalysis(guess, s)) pending = this.start(uri, version, file, text, s);
    const reply = await pending;
    if (this.latest.get(uri) !== token) return;
    const split = reply.tag === 'ok' ? { compileMs: reply.result.compileMs, analyzeMs: reply.result.analyzeMs } : {};
    this.status({ uri, state: reply.tag, version, ms: reply.ms, ...split, driver: s.driver, kernel: s.kernel });
    this.publish(uri, version, file, reply, s.timeBudgetMs);
  }

  private start(uri: string, version: number, file: string, text: string | undefined, s: XdpSettings): Promise<AnalyzeReply> {
    const target = { driver: s.driver, kernel: s.kernel, clangPath: s.clang.path, clangArgs: s.clang.args };
    this.status({ uri, state: 'analyzing', version, driver: s.driver, kernel: s.kernel });
    return this.host.analyze({ uri, version, file, ...(text === undefined ? {} : { text }), target, timeBudgetMs: s.timeBudgetMs });
  }

  private publish(uri: string, version: number, file: string, reply: AnalyzeReply, budgetMs: number): void {
    const doc = this.documents.get(uri);
    const ctx = { uri, version, ...(doc && doc.version === version ? { lineText: lineTextOf(doc) } : {}) };
    switch (reply.tag) {
      case 'cancelled':
        return;
      case 'ok': {
        const r = reply.result;
        this.finished.set(uri, { version, report: r.report, file, ms: reply.ms, compileMs: r.compileMs, ...(r.object ? { object: r.object } : {}), ...(r.lineStates ? { lineStates: r.lineStates } : {}) });
        void this.connection.sendDiagnostics({ uri, version, diagnostics: reportToDiagnostics(r.report, ctx) });
        return;
      }
      case 'timeout':
        void this.connection.sendDiagnostics({ uri, version, diagnostics: [timeoutDiagnostic(budgetMs, ctx)] });
        return;
      case 'failed':
        this.connection.console.error(`analysis of ${uri} failed: ${reply.error}`);
        void this.connection.sendDiagnostics({ uri, version, diagnostics: [failedDiagnostic(reply.error, ctx)] });
        return;
    }
  }

  private status(p: StatusParams): void {
    void this.connection.sendNotification(StatusNotification, p);
  }

  private clearDebounce(uri: string): void {
    const t = this.debounce.get(uri);
    if (t) clearTimeout(t);
    this.debounce.delete(uri);
  }
}

/** The buffer's text when it differs from the file on disk (or there is no file); undefined: compile the file. */
function unsavedText(file: string, text: string): string | undefined {
  try {
    if (existsSync(file) && readFileSync(file, 'utf8') === text) return undefined;
  } catch {
    // Unreadable: compile the buffer.
  }
  return text;
}

/** Whether two settings give the same analysis (verifyOn only decides when analyses run). */
function sameAnalysis(a: XdpSettings, b: XdpSettings): boolean {
  return a.driver === b.driver && a.kernel === b.kernel && a.timeBudgetMs === b.timeBudgetMs && a.clang.path === b.clang.path &&
    a.clang.args.length === b.clang.args.length && a.clang.args.every((x, i) => x === b.clang.args[i]);
}
