// Quick-fix builders: a finding (its range and data) plus clang's AST of the function it is in
// -> text edits. Each finds the real statement or expression in the AST; when the AST does not
// show what the fix needs (a constant push, an access it cannot name), it offers nothing rather
// than a guess.
import type { Finding, Range } from '../../core/diagnostics/finding';
import type { AstNode } from '../../toolchain/ast';
import type { PreparedFix } from '../messages';
import { bare, enclosingStatement, functionAt, isPure, isSimpleName, isUnsignedType, walk, type CSource } from './cSource';

export interface FixInput {
  readonly finding: Finding;
  readonly decls: readonly AstNode[];
  readonly src: CSource;
}

/** The finding's position as a byte offset, and the line it is on. */
function anchor(input: FixInput): { offset: number; line: number; fn: AstNode } | undefined {
  const offset = input.src.offsetOf(input.finding.range.start);
  const fn = functionAt(input.decls, input.src, offset);
  return fn ? { offset, line: input.finding.range.start.line, fn } : undefined;
}

/** Does a node sit on the finding: contains its offset, or starts on its line. */
function onFinding(n: AstNode, src: CSource, at: { offset: number; line: number }): boolean {
  if (!n.span || n.span.file !== src.mainFile) return false;
  return (n.span.begin <= at.offset && at.offset < n.span.end) || src.lineOf(n.span.begin) === at.line;
}

function calleeName(call: AstNode): string | undefined {
  const callee = call.inner?.[0] && bare(call.inner[0]);
  return callee?.kind === 'DeclRefExpr' ? callee.referencedDecl?.name : undefined;
}

function insertBefore(stmt: AstNode, src: CSource, line: string): { range: Range; newText: string } {
  const at = stmt.span!.begin;
  return { range: src.point(at), newText: `${line}\n${src.indentAt(at)}` };
}

/**
 * xdp/adjust-head-unbounded, xdp/headroom-exceeded: insert `if (len > N) return XDP_DROP;` before
 * the statement with the bpf_xdp_adjust_head call, `len` being the push length as written (the
 * negated delta) and N the usable headroom the finding suggests (`data.suggestedBound`).
 */
export function adjustHeadBound(input: FixInput): PreparedFix | undefined {
  const bound = input.finding.data?.suggestedBound;
  if (typeof bound !== 'number' || !Number.isFinite(bound)) return undefined;
  const at = anchor(input);
  if (!at) return undefined;
  for (const { node, ancestors } of walk(at.fn)) {
    if (node.kind !== 'CallExpr' || calleeName(node) !== 'bpf_xdp_adjust_head' || !onFinding(node, input.src, at)) continue;
    const delta = node.inner?.[2];
    if (!delta) return undefined;
    const d = bare(delta);
    if (d.kind === 'IntegerLiteral' || (d.kind === 'UnaryOperator' && d.inner?.[0] && bare(d.inner[0]).kind === 'IntegerLiteral')) return undefined;
    const negated = d.kind === 'UnaryOperator' && d.opcode === '-' && d.inner?.[0];
    const lenNode = negated ? d.inner![0]! : undefined;
    const lenText = lenNode ? input.src.slice(bare(lenNode)) : `-(${input.src.slice(d)})`;
    const lenType = lenNode ? bare(lenNode).type : d.type;
    const x = lenNode && isSimpleName(lenNode) ? lenText : `(${lenText})`;
    const cond = isUnsignedType(lenType) ? `${x} > ${bound}` : `${x} < 0 || ${x} > ${bound}`;
    const stmt = enclosingStatement(node, ancestors);
    if (!stmt?.span) return undefined;
    const guard = `if (${cond})\n${input.src.indentAt(stmt.span.begin)}\treturn XDP_DROP;`;
    return { title: `Bound the push: return XDP_DROP when ${lenText} exceeds ${bound} bytes`, edits: [insertBefore(stmt, input.src, guard)] };
  }
  return undefined;
}

/**
 * bpf/pkt-bounds: insert `if ((void *)(ptr + 1) > data_end) return XDP_DROP;` before the statement
 * with the packet access, naming the pointer the access goes through and the data_end variable in
 * scope (else `(void *)(long)ctx->data_end` with the context parameter's name).
 */
export function packetBoundsCheck(input: FixInput): PreparedFix | undefined {
  const at = anchor(input);
  if (!at) return undefined;
  const src = input.src;
  let access: { node: AstNode; ancestors: AstNode[]; ptr: string; extent: string } | undefined;
  for (const { node, ancestors } of walk(at.fn)) {
    if (!onFinding(node, src, at)) continue;
    if (node.kind === 'MemberExpr' && node.isArrow) {
      const base = node.inner?.[0] && bare(node.inner[0]);
      if (base?.kind === 'DeclRefExpr' && base.referencedDecl?.kind === 'VarDecl') access = { node, ancestors, ptr: base.referencedDecl.name!, extent: '1' };
    } else if (node.kind === 'ArraySubscriptExpr') {
      const base = node.inner?.[0] && bare(node.inner[0]);
      const idx = node.inner?.[1] && bare(node.inner[1]);
      if (base?.kind === 'DeclRefExpr' && base.referencedDecl?.kind === 'VarDecl' && idx?.kind === 'IntegerLiteral' && idx.value !== undefined) {
        access = { node, ancestors, ptr: base.referencedDecl.name!, extent: String(Number(idx.value) + 1) };
      }
    } else if (node.kind === 'UnaryOperator' && node.opcode === '*') {
      const base = node.inner?.[0] && bare(node.inner[0]);
      if (base?.kind === 'DeclRefExpr' && base.referencedDecl?.kind === 'VarDecl') access = { node, ancestors, ptr: base.referencedDecl.name!, extent: '1' };
    }
    if (access) break;
  }
  if (!access) return undefined;
  const stmt = enclosingStatement(access.node, access.ancestors);
  if (!stmt?.span) return undefined;
  const dataEnd = dataEndName(at.fn, src, stmt.span.begin);
  if (!dataEnd) return undefined;
  const guard = `if ((void *)(${access.ptr} + ${access.extent}) > ${dataEnd})\n${src.indentAt(stmt.span.begin)}\treturn XDP_DROP;`;
  return { title: `Check the packet bounds: return XDP_DROP when ${access.ptr} + ${access.extent} passes ${dataEnd}`, edits: [insertBefore(stmt, src, guard)] };
}

/** A variable declared before `before` and initialised from `->data_end`, else a cast of the context parameter's. */
function dataEndName(fn: AstNode, src: CSource, before: number): string | undefined {
  for (const { node } of walk(fn)) {
    if (node.kind !== 'VarDecl' || !node.name || !node.span || node.span.begin >= before) continue;
    for (const { node: n } of walk(node)) if (n.kind === 'MemberExpr' && n.name === 'data_end') return node.name;
  }
  const ctx = fn.inner?.find((c) => c.kind === 'ParmVarDecl' && /\bxdp_md\b/.test(c.type?.qualType ?? ''));
  void src;
  return ctx?.name ? `(void *)(long)${ctx.name}->data_end` : undefined;
}

/**
 * xdp/return-invalid: a constant return becomes a valid action (one fix per sensible action); any
 * other expression is clamped so values above XDP_REDIRECT become XDP_ABORTED (which is what
 * drivers do at run time anyway, now explicit and without the kernel warning).
 */
export function returnClamp(input: FixInput): PreparedFix[] {
  const at = anchor(input);
  if (!at) return [];
  const src = input.src;
  const returns = [...walk(at.fn)].map((w) => w.node).filter((n) => n.kind === 'ReturnStmt' && n.span && n.inner?.[0]);
  let chosen = returns.filter((n) => onFinding(n, src, at));
  if (chosen.length === 0) {
    // The finding may sit on the line clang attributed the value to (a condition the constant was
    // hoisted into): then the fix goes to the return statements returning one of the invalid
    // constants, the first at or after the finding.
    const bad = input.finding.data?.values;
    const values = Array.isArray(bad) ? bad.map(Number) : [];
    const constant = returns.filter((n) => {
      const e = bare(n.inner![0]!);
      return e.kind === 'IntegerLiteral' && values.includes(Number(e.value));
    });
    const after = constant.filter((n) => n.span!.begin >= at.offset);
    chosen = after.length ? [after[0]!] : constant.slice(0, 1);
  }
  for (const node of chosen) {
    const e = node.inner?.[0];
    if (!e?.span) return [];
    const range = src.span(e.span.begin, e.span.end);
    const b = bare(e);
    if (b.kind === 'IntegerLiteral') {
      return ['XDP_DROP', 'XDP_PASS', 'XDP_ABORTED'].map((a) => ({ title: `Return ${a} instead of ${src.slice(e)}`, edits: [{ range, newText: a }] }));
    }
    const text = src.slice(e);
    const clamped = isPure(e)
      ? `(unsigned int)(${text}) > XDP_REDIRECT ? XDP_ABORTED : (${text})`
      : `({ unsigned int xdp_act = (${text}); xdp_act > XDP_REDIRECT ? XDP_ABORTED : xdp_act; })`;
    return [{ title: `Clamp the return value: anything above XDP_REDIRECT becomes XDP_ABORTED`, edits: [{ range, newText: clamped }] }];
  }
  return [];
}

/** Which builder serves which finding code. */
export const FIX_BUILDERS: Readonly<Record<string, (input: FixInput) => PreparedFix[]>> = {
  'xdp/adjust-head-unbounded': (i) => optional(adjustHeadBound(i)),
  'xdp/headroom-exceeded': (i) => optional(adjustHeadBound(i)),
  'bpf/pkt-bounds': (i) => optional(packetBoundsCheck(i)),
  'xdp/return-invalid': (i) => returnClamp(i),
};

function optional<T>(x: T | undefined): T[] {
  return x === undefined ? [] : [x];
}
