// The one place where the core's 1-based lines and columns meet LSP's 0-based positions.
// Columns: clang and .BTF.ext count bytes; LSP counts UTF-16 code units. For the ASCII that C
// source almost always is they agree; a line with non-ASCII text is converted through the line's
// text when the document is at hand.
import type { Position as LspPosition, Range as LspRange } from 'vscode-languageserver';
import type { Position, Range } from '../core/diagnostics/finding';

/** A line's text, when the caller has the document (for byte -> UTF-16 column conversion). */
export type LineText = (line0: number) => string | undefined;

export function toLspPosition(p: Position, lineText?: LineText): LspPosition {
  const line = Math.max(0, p.line - 1);
  const col0 = Math.max(0, p.column - 1);
  const text = lineText?.(line);
  return { line, character: text === undefined ? col0 : byteToUtf16(text, col0) };
}

export function toLspRange(r: Range, lineText?: LineText): LspRange {
  const start = toLspPosition(r.start, lineText);
  let end = toLspPosition(r.end, lineText);
  if (end.line < start.line || (end.line === start.line && end.character < start.character)) end = start;
  return { start, end };
}

/** An LSP position as the core's 1-based line and (byte) column. */
export function fromLspPosition(p: LspPosition, lineText?: LineText): Position {
  const text = lineText?.(p.line);
  return { line: p.line + 1, column: (text === undefined ? p.character : utf16ToByte(text, p.character)) + 1 };
}

/** Whether a 1-based core range contains a 1-based position (end exclusive, empty ranges hit their start). */
export function rangeContains(r: Range, p: Position): boolean {
  const afterStart = p.line > r.start.line || (p.line === r.start.line && p.column >= r.start.column);
  const beforeEnd = p.line < r.end.line || (p.line === r.end.line && p.column < r.end.column);
  const empty = r.start.line === r.end.line && r.start.column === r.end.column;
  return afterStart && (beforeEnd || (empty && p.line === r.start.line && p.column === r.start.column));
}

function byteToUtf16(text: string, byteCol: number): number {
  let bytes = 0;
  let i = 0;
  while (i < text.length && bytes < byteCol) {
    const cp = text.codePointAt(i)!;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += cp >= 0x10000 ? 2 : 1;
  }
  return i + Math.max(0, byteCol - bytes);
}

function utf16ToByte(text: string, utf16Col: number): number {
  let bytes = 0;
  let i = 0;
  while (i < text.length && i < utf16Col) {
    const cp = text.codePointAt(i)!;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += cp >= 0x10000 ? 2 : 1;
  }
  return bytes + Math.max(0, utf16Col - i);
}
