// Placing findings in C source: the line_info of an instruction (carried back from the previous
// instruction that has one, as llvm-objdump does), the text of a call's argument, and the
// `return` statement a value comes from.

import type { Range } from '../diagnostics/finding';
import type { Program, SourceLoc } from '../program';

/** The source location in effect at `slot`. */
export function locAt(program: Program, slot: number): SourceLoc | undefined {
  for (let s = Math.min(slot, program.lines.length - 1); s >= 0; s--) {
    const l = program.lines[s];
    if (l) return l;
  }
  return program.lines.find((l) => l !== undefined);
}

/** A range over the statement on the line (from its column to the end of the text). */
export function statementRange(loc: SourceLoc | undefined): Range {
  if (!loc) return { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
  const text = loc.text ?? '';
  const start = Math.max(1, loc.column || firstNonBlank(text));
  const end = text.length > 0 ? text.replace(/\s+$/, '').length + 1 : start;
  return { start: { line: loc.line, column: start }, end: { line: loc.line, column: Math.max(start, end) } };
}

function firstNonBlank(text: string): number {
  const m = /\S/.exec(text);
  return m ? m.index + 1 : 1;
}

export interface ArgText {
  readonly text: string;
  readonly range: Range;
}

/** The text and range of argument `index` of the first call to `fn` on the line, if the text shows it. */
export function callArgument(loc: SourceLoc | undefined, fn: string, index: number): ArgText | undefined {
  if (!loc?.text) return undefined;
  const text = loc.text;
  const re = new RegExp(`\\b${fn}\\s*\\(`);
  const m = re.exec(text);
  if (!m) return undefined;
  let depth = 0;
  let argStart = m.index + m[0].length;
  let arg = 0;
  for (let i = argStart; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    else if ((c === ',' && depth === 0) || (c === ')' && depth === 0)) {
      if (arg === index) {
        const raw = text.slice(argStart, i);
        const lead = raw.length - raw.trimStart().length;
        const t = raw.trim();
        const col = argStart + lead + 1;
        return { text: t, range: { start: { line: loc.line, column: col }, end: { line: loc.line, column: col + t.length } } };
      }
      if (c === ')') return undefined;
      arg++;
      argStart = i + 1;
    }
  }
  return undefined;
}

/** The XDP action names clang keeps in the source, by value. */
const ACTION_NAMES = ['XDP_ABORTED', 'XDP_DROP', 'XDP_PASS', 'XDP_TX', 'XDP_REDIRECT'];

function mentions(text: string, v: number): boolean {
  const forms = [String(v), `0x${v.toString(16)}`];
  if (v >= 0x80000000) forms.push(String(v - 0x100000000));
  if (v < ACTION_NAMES.length) forms.push(ACTION_NAMES[v]);
  return forms.some((f) => new RegExp(`(^|[^\\w.])${f.replace(/[-]/g, '\\-')}(?![\\w.])`, 'i').test(text));
}

/**
 * Where to report a return value: the `return` statement that produces it. The instruction that
 * last set R0 usually carries the statement's line; when optimisation moved it (merged exits,
 * a shared `r0 = N` before the epilogue) its line may be another statement or the closing
 * brace, so we look for a `return` in the program's lines that mentions one of the values.
 */
export function returnSite(
  program: Program,
  defSlot: number,
  values: readonly number[],
  sourceText?: (file: string) => string | undefined,
): { loc: SourceLoc | undefined; range: Range } {
  const loc = locAt(program, defSlot);
  const isReturn = (l: SourceLoc | undefined): boolean => !!l && /\breturn\b/.test(l.text ?? '');
  let chosen = loc;
  // clang often attributes `r0 = N` to the condition guarding `return N;` (the return line then
  // has no instruction of its own). With the C text at hand, take the nearest `return` after the
  // defining line, inside the function, that mentions one of the values.
  const text = loc ? sourceText?.(loc.file) : undefined;
  if (loc && text && !(isReturn(loc) && values.some((v) => mentions(loc.text, v)))) {
    const fileLines = text.split('\n');
    const own = program.lines.filter((l): l is SourceLoc => !!l && l.file === loc.file).map((l) => l.line);
    const last = Math.max(...own, loc.line);
    const first = Math.min(...own, loc.line);
    const order: number[] = [];
    for (let n = loc.line; n <= last + 1 && n <= fileLines.length; n++) order.push(n);
    for (let n = loc.line - 1; n >= first; n--) order.push(n);
    for (const n of order) {
      const t = fileLines[n - 1] ?? '';
      if (/\breturn\b/.test(t) && values.some((v) => mentions(t.replace(/\/\/.*$/, ''), v))) {
        chosen = { file: loc.file, line: n, column: (/\S/.exec(t)?.index ?? 0) + 1, text: t };
        break;
      }
    }
  }
  if (!isReturn(chosen)) {
    const seen = new Set<string>();
    for (const l of program.lines) {
      if (!l || seen.has(`${l.file}:${l.line}`)) continue;
      seen.add(`${l.file}:${l.line}`);
      if (isReturn(l) && values.some((v) => mentions(l.text, v))) {
        chosen = l;
        break;
      }
    }
  }
  if (chosen && isReturn(chosen)) {
    const text = chosen.text;
    const at = text.search(/\breturn\b/);
    const semi = text.indexOf(';', at);
    const start = at + 1;
    const end = semi >= 0 ? semi + 2 : text.replace(/\s+$/, '').length + 1;
    return { loc: chosen, range: { start: { line: chosen.line, column: start }, end: { line: chosen.line, column: end } } };
  }
  return { loc: chosen, range: statementRange(chosen) };
}
