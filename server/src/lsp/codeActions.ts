// Quick-fixes, rebuilt from what the request carries: each diagnostic's `data` holds the fixes
// and the document version they were computed for. A fix for another version is dropped rather
// than applied to text it was not made for (vscode-eslint does the same).
import { pathToFileURL } from 'node:url';
import { CodeActionKind, type CodeAction, type CodeActionParams, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import type { DiagnosticData } from './diagnostics';
import { SOURCE } from './diagnostics';
import { toLspRange, type LineText } from './positions';

export interface OpenDocument {
  readonly uri: string;
  readonly version: number;
  readonly lineText: LineText;
}

export function codeActions(params: CodeActionParams, doc: OpenDocument | undefined): CodeAction[] {
  if (!doc) return [];
  const only = params.context.only;
  if (only && !only.some((k) => CodeActionKind.QuickFix.startsWith(k))) return [];
  const actions: CodeAction[] = [];
  for (const diag of params.context.diagnostics) {
    if (diag.source !== SOURCE) continue;
    const data = diag.data as DiagnosticData | undefined;
    if (!data || data.uri !== doc.uri || data.version !== doc.version) continue;
    data.fixes.forEach((fix, i) => {
      const changes: Record<string, TextEdit[]> = {};
      for (const e of fix.edits) {
        const uri = e.file === undefined ? doc.uri : pathToFileURL(e.file).href;
        (changes[uri] ??= []).push({ range: toLspRange(e.range, e.file === undefined ? doc.lineText : undefined), newText: e.newText });
      }
      const edit: WorkspaceEdit = { changes };
      actions.push({ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [diag], edit, ...(i === 0 ? { isPreferred: true } : {}) });
    });
  }
  return actions;
}
