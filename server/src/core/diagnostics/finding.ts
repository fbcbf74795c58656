// A finding is a record: a stable code, a C range, the instruction, and the data its hover and
// quick-fix need. The CLI's JSON report and the language server both speak this shape.
// Lines and columns are 1-based (as clang and .BTF.ext line_info give them); the LSP layer
// converts to 0-based positions in one place.

export type Severity = 'error' | 'warning' | 'info';

export interface Position {
  readonly line: number;
  readonly column: number;
}

export interface Range {
  readonly start: Position;
  readonly end: Position;
}

export interface RelatedInfo {
  readonly message: string;
  readonly file?: string;
  readonly range: Range;
}

export interface Finding {
  /** Stable code: `clang/error`, `clang/warning`, `load/...`, `bpf/...`, `xdp/...`. */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  /** Source file the range refers to (absent: the file being checked). */
  readonly file?: string;
  readonly range: Range;
  /** Instruction slot within the program, for verifier, analysis and emulator findings. */
  readonly insn?: number;
  readonly related?: readonly RelatedInfo[];
  /** What hovers and quick-fixes need (capability, value range, suggested bound, ...). */
  readonly data?: Readonly<Record<string, unknown>>;
}

export const Range = {
  /** A range covering one whole line (column 1 up to `endColumn`, default end of a long line). */
  line(line: number, endColumn = 1000): Range {
    return { start: { line, column: 1 }, end: { line, column: endColumn } };
  },
  point(line: number, column: number): Range {
    return { start: { line, column }, end: { line, column } };
  },
};
