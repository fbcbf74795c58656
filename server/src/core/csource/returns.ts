// Return statements of the C source, from clang's JSON AST: where each `return` is and, when its
// expression is an integer constant (a literal, an enum constant such as XDP_DROP, a macro that
// expands to either, casts and unary minus around them), its value. The XDP analyses use these
// to put a return-code finding on the `return` that produces the value, even where optimisation
// merged exits and line_info only points at the branch before it.

/** The subset of clang's JSON AST node this module reads (toolchain/ast.ts resolves `span`s). */
export interface CNode {
  readonly kind: string;
  readonly name?: string;
  readonly value?: string;
  readonly opcode?: string;
  readonly inner?: readonly CNode[];
  readonly referencedDecl?: { readonly kind: string; readonly name?: string };
  readonly span?: { readonly file: string; readonly begin: number; readonly end: number };
}

export interface ReturnStmtInfo {
  /** The function whose body holds the statement. */
  readonly func: string;
  /** 1-based position of `return` and of the end of the statement (after its last token). */
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  /** The returned constant, when the expression is one. */
  readonly value?: number;
}

/** Byte offset -> 1-based line and column in one text (UTF-8 byte offsets, as clang counts). */
export class LineIndex {
  private readonly starts: number[] = [0];
  private readonly bytes: Uint8Array;

  constructor(text: string) {
    this.bytes = new TextEncoder().encode(text);
    for (let i = 0; i < this.bytes.length; i++) if (this.bytes[i] === 0x0a) this.starts.push(i + 1);
  }

  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }
}

/** Values of every enum constant declared anywhere in the dump (implicit ones count on from the last). */
function enumValues(decls: readonly CNode[]): Map<string, number> {
  const values = new Map<string, number>();
  const visit = (n: CNode): void => {
    if (n.kind === 'EnumDecl') {
      let next = 0;
      for (const c of n.inner ?? []) {
        if (c.kind !== 'EnumConstantDecl' || c.name === undefined) continue;
        const explicit = c.inner?.length ? evaluate(c.inner[0]!, values) : undefined;
        const v = explicit ?? next;
        values.set(c.name, v);
        next = v + 1;
      }
      return;
    }
    for (const c of n.inner ?? []) visit(c);
  };
  for (const d of decls) visit(d);
  return values;
}

/** An integer constant expression's value, or undefined when it is not one this module folds. */
function evaluate(n: CNode, enums: ReadonlyMap<string, number>): number | undefined {
  switch (n.kind) {
    case 'IntegerLiteral':
    case 'ConstantExpr':
      if (n.value !== undefined && /^-?\d+$/.test(n.value)) return Number(n.value);
      return n.inner?.[0] ? evaluate(n.inner[0], enums) : undefined;
    case 'CharacterLiteral':
      return n.value !== undefined ? Number(n.value) : undefined;
    case 'DeclRefExpr':
      return n.referencedDecl?.kind === 'EnumConstantDecl' && n.referencedDecl.name !== undefined ? enums.get(n.referencedDecl.name) : undefined;
    case 'ImplicitCastExpr':
    case 'CStyleCastExpr':
    case 'ParenExpr':
      return n.inner?.[0] ? evaluate(n.inner[0], enums) : undefined;
    case 'UnaryOperator': {
      const v = n.inner?.[0] ? evaluate(n.inner[0], enums) : undefined;
      if (v === undefined) return undefined;
      return n.opcode === '-' ? -v : n.opcode === '+' ? v : n.opcode === '~' ? ~v : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Every return statement in function bodies of `mainFile`, with positions from `text` (the
 * contents clang parsed). Declarations from headers are skipped.
 */
export function collectReturns(decls: readonly CNode[], mainFile: string, text: string): ReturnStmtInfo[] {
  const enums = enumValues(decls);
  const index = new LineIndex(text);
  const out: ReturnStmtInfo[] = [];
  const walk = (n: CNode, func: string): void => {
    if (n.kind === 'ReturnStmt' && n.span && n.span.file === mainFile) {
      const start = index.position(n.span.begin);
      const end = index.position(n.span.end);
      const value = n.inner?.[0] ? evaluate(n.inner[0], enums) : undefined;
      out.push({ func, line: start.line, column: start.column, endLine: end.line, endColumn: end.column, ...(value === undefined ? {} : { value }) });
    }
    for (const c of n.inner ?? []) walk(c, func);
  };
  // An unfiltered dump is one TranslationUnitDecl holding every top-level declaration.
  const top = decls.flatMap((d) => (d.kind === 'TranslationUnitDecl' ? (d.inner ?? []) : [d]));
  for (const d of top) {
    if (d.kind === 'FunctionDecl' && d.name !== undefined && d.span?.file === mainFile) walk(d, d.name);
  }
  return out;
}

/**
 * The return statement that most plausibly produces `value` for an R0 definition at `defLine`:
 * among statements returning exactly that constant, the first at or after the definition's line
 * (clang attributes a constant's materialisation to the condition before its `return`), else
 * the nearest. Undefined when no statement returns that constant.
 */
export function returnFor(returns: readonly ReturnStmtInfo[], defLine: number, value: number): ReturnStmtInfo | undefined {
  const same = returns.filter((r) => r.value === value);
  if (same.length === 0) return undefined;
  const after = same.filter((r) => r.line >= defLine).sort((a, b) => a.line - b.line);
  if (after.length > 0) return after[0];
  return [...same].sort((a, b) => Math.abs(a.line - defLine) - Math.abs(b.line - defLine))[0];
}
