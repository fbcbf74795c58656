// Navigating clang's AST against the source text: byte offsets <-> 1-based line/column (the
// core's Range), source slices of nodes, the statement that contains a node, names in scope.
import type { AstNode } from '../../toolchain/ast';
import type { Position, Range } from '../../core/diagnostics/finding';

export class CSource {
  private readonly bytes: Buffer;
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string, readonly mainFile: string) {
    this.bytes = Buffer.from(text, 'utf8');
    for (let i = 0; i < this.bytes.length; i++) if (this.bytes[i] === 0x0a) this.lineStarts.push(i + 1);
  }

  offsetOf(p: Position): number {
    const start = this.lineStarts[p.line - 1] ?? this.bytes.length;
    return Math.min(start + Math.max(0, p.column - 1), this.bytes.length);
  }

  positionOf(offset: number): Position {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo]! + 1 };
  }

  lineOf(offset: number): number {
    return this.positionOf(offset).line;
  }

  slice(n: AstNode): string {
    return n.span ? this.bytes.subarray(n.span.begin, n.span.end).toString('utf8') : '';
  }

  /** The whitespace that starts the line `offset` is on. */
  indentAt(offset: number): string {
    const line = this.lineOf(offset);
    const start = this.lineStarts[line - 1]!;
    let i = start;
    while (i < this.bytes.length && (this.bytes[i] === 0x20 || this.bytes[i] === 0x09)) i++;
    return this.bytes.subarray(start, i).toString('utf8');
  }

  point(offset: number): Range {
    const p = this.positionOf(offset);
    return { start: p, end: p };
  }

  span(begin: number, end: number): Range {
    return { start: this.positionOf(begin), end: this.positionOf(end) };
  }

  inMain(n: AstNode): boolean {
    return n.span?.file === this.mainFile;
  }
}

/** Every node under `root` in print (source) order, with its ancestors (outermost first). */
export function* walk(root: AstNode, ancestors: AstNode[] = []): Generator<{ node: AstNode; ancestors: AstNode[] }> {
  yield { node: root, ancestors };
  const next = [...ancestors, root];
  for (const c of root.inner ?? []) yield* walk(c, next);
}

/** Strips implicit casts and parentheses: the expression as written. */
export function bare(n: AstNode): AstNode {
  let cur = n;
  while ((cur.kind === 'ImplicitCastExpr' || cur.kind === 'ParenExpr') && cur.inner?.[0]) cur = cur.inner[0];
  return cur;
}

/** The statement to insert a guard before: the child of the innermost compound statement that contains the node. */
export function enclosingStatement(node: AstNode, ancestors: readonly AstNode[]): AstNode | undefined {
  const chain = [...ancestors, node];
  for (let i = chain.length - 2; i >= 0; i--) if (chain[i]!.kind === 'CompoundStmt') return chain[i + 1];
  return undefined;
}

/** The function definition (with a body) in the main file whose span contains `offset`. */
export function functionAt(decls: readonly AstNode[], src: CSource, offset: number): AstNode | undefined {
  for (const d of decls) {
    for (const { node } of walk(d)) {
      if (node.kind !== 'FunctionDecl' || !src.inMain(node) || !node.span) continue;
      if (!node.inner?.some((c) => c.kind === 'CompoundStmt')) continue;
      if (node.span.begin <= offset && offset < node.span.end) return node;
    }
  }
  return undefined;
}

export function isUnsignedType(t: AstNode['type']): boolean {
  const q = t?.desugaredQualType ?? t?.qualType ?? '';
  return /\bunsigned\b|^(?:__u\d+|u\d+|size_t|uint\d+_t|__be\d+|__le\d+)$/.test(q.trim());
}

/** Side-effect-free expressions that can be repeated in a guard: names, member chains, literals. */
export function isPure(n: AstNode): boolean {
  const b = bare(n);
  switch (b.kind) {
    case 'DeclRefExpr':
    case 'IntegerLiteral':
      return true;
    case 'MemberExpr':
      return b.inner?.[0] ? isPure(b.inner[0]) : false;
    case 'CStyleCastExpr':
      return b.inner?.[0] ? isPure(b.inner[0]) : false;
    default:
      return false;
  }
}

export function isSimpleName(n: AstNode): boolean {
  const b = bare(n);
  return b.kind === 'DeclRefExpr' || (b.kind === 'MemberExpr' && isPure(b));
}
