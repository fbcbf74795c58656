// Conditional jumps (kernel/bpf/verifier.c @6.12: check_cond_jmp_op, is_branch_taken,
// reg_set_min_max, try_match_pkt_pointers, find_good_pkt_pointers, mark_ptr_or_null_regs).
// Produces the refined state of each feasible edge; the explorer pushes and continues.

import type { Insn } from '../isa/insn';
import { JmpOp, Src } from '../isa/opcodes';
import { immReg, Reject, type Env } from './env';
import { readReg } from './regs';
import { forEachReg } from './regs';
import { sc, type CmpName } from './sc';
import { cloneState, curFrame, Reg, regWith, type VState } from './state';
import { isTrusted } from './btfPtr';

const CMP: Record<number, CmpName> = {
  [JmpOp.JEQ]: 'jeq', [JmpOp.JNE]: 'jne', [JmpOp.JGT]: 'jgt', [JmpOp.JGE]: 'jge', [JmpOp.JLT]: 'jlt', [JmpOp.JLE]: 'jle',
  [JmpOp.JSGT]: 'jsgt', [JmpOp.JSGE]: 'jsge', [JmpOp.JSLT]: 'jslt', [JmpOp.JSLE]: 'jsle', [JmpOp.JSET]: 'jset',
};
const FLIP: Record<CmpName, CmpName> = {
  jeq: 'jeq', jne: 'jne', jgt: 'jlt', jge: 'jle', jlt: 'jgt', jle: 'jge', jsgt: 'jslt', jsge: 'jsle', jslt: 'jsgt', jsle: 'jsge', jset: 'jset',
};

/** Packet pointer relation to data_end recorded on a register (the kernel's AT/BEYOND_PKT_END). */
export const AT_PKT_END = -1;
export const BEYOND_PKT_END = -2;
const MAX_PACKET_OFF = 0xffffn;

export interface Edges {
  /** State for the fall-through edge (undefined: infeasible). */
  readonly fall: VState | undefined;
  /** State for the jump target (undefined: infeasible). */
  readonly jump: VState | undefined;
}

/** Kinds that are never NULL (reg_not_null). */
const NOT_NULL = new Set(['ctx', 'pkt', 'pkt_meta', 'pkt_end', 'fp', 'map_value', 'map_ptr', 'map_key', 'ringbuf_mem', 'mem', 'sock', 'sock_common', 'tcp_sock', 'func']);

export function condJump(env: Env, insn: Insn, is32: boolean, slot: number): Edges {
  const op = CMP[insn.code & 0xf0];
  if (!op) throw new Reject('bpf/bad-insn', `invalid BPF_JMP/JMP32 opcode ${(insn.code & 0xf0).toString(16)}`, 'Unknown jump opcode.');
  const useReg = (insn.code & 0x08) === Src.X;
  if (useReg ? insn.imm !== 0 : insn.src !== 0) throw new Reject('bpf/bad-insn', 'BPF_JMP/JMP32 uses reserved fields', 'The jump instruction sets fields that must be zero.');
  const cur = env.cur;
  const dst = readReg(env, insn.dst);
  const src = useReg ? readReg(env, insn.src) : immReg(env, slot, is32);
  if (useReg && Reg.isPtr(src) && !env.privileged) {
    throw new Reject('bpf/ptr-leak', `R${insn.src} pointer comparison prohibited`, 'Comparing pointers leaks addresses (unprivileged loader).');
  }

  // Packet pointers against each other / data_end.
  if (useReg && !is32 && isPktAny(dst) && isPktAny(src)) {
    const pred = pktBranchTaken(dst, src, op);
    if (pred !== undefined) return pred ? { fall: undefined, jump: cur } : { fall: cur, jump: undefined };
    const jump = cloneState(cur);
    const fall = cur;
    if (matchPkt(op, insn, dst, src, fall, jump)) return { fall, jump };
    if (!env.privileged) throw new Reject('bpf/ptr-leak', `R${insn.dst} pointer comparison prohibited`, 'This comparison between packet pointers proves nothing and is refused.');
    return { fall, jump };
  }

  if (dst.kind === 'scalar' && src.kind === 'scalar') {
    const out = sc.branch(op, dst.val, src.val, is32);
    if (out.taken === true) return { fall: undefined, jump: cur };
    if (out.taken === false) return { fall: cur, jump: undefined };
    const jump = cloneState(cur);
    const fall = cur;
    applyScalar(fall, insn.dst, useReg ? insn.src : -1, out.ifFalse);
    applyScalar(jump, insn.dst, useReg ? insn.src : -1, out.ifTrue);
    return { fall: out.ifFalse ? fall : undefined, jump: out.ifTrue ? jump : undefined };
  }

  // A pointer compared with a scalar (or another non-packet pointer).
  const ptr = Reg.isPtr(dst) ? dst : src;
  const other = ptr === dst ? src : dst;
  const zeroOther = other.kind === 'scalar' && sc.isZero(other.val);
  if (zeroOther && (op === 'jeq' || op === 'jne') && (NOT_NULL.has(ptr.kind) || isTrusted(ptr))) {
    // A pointer that can't be NULL compared with 0: the outcome is known.
    return (op === 'jne') ? { fall: undefined, jump: cur } : { fall: cur, jump: undefined };
  }
  const jump = cloneState(cur);
  const fall = cur;
  if (!is32 && !useReg && insn.imm === 0 && (op === 'jeq' || op === 'jne') && Reg.isOrNull(dst)) {
    markNull(fall, dst, op === 'jne');
    markNull(jump, dst, op === 'jeq');
    return { fall, jump };
  }
  if (useReg && !is32 && Reg.isPtr(dst) && Reg.isPtr(src) && Reg.isOrNull(dst) !== Reg.isOrNull(src) && (op === 'jeq' || op === 'jne')) {
    // comparing a maybe-NULL pointer with a non-NULL one: equal means non-NULL.
    const maybe = Reg.isOrNull(dst) ? dst : src;
    markNull(op === 'jeq' ? jump : fall, maybe, false);
  }
  if (Reg.isPtr(dst) && !env.privileged) throw new Reject('bpf/ptr-leak', `R${insn.dst} pointer comparison prohibited`, 'Comparing pointers leaks addresses (unprivileged loader).');
  return { fall, jump };
}

function isPktAny(r: Reg): boolean {
  return r.kind === 'pkt' || r.kind === 'pkt_meta' || r.kind === 'pkt_end';
}

function applyScalar(s: VState, d: number, sreg: number, pair: readonly [ReturnType<typeof sc.unknown>, ReturnType<typeof sc.unknown>] | undefined): void {
  if (!pair) return;
  const regs = curFrame(s).regs;
  const setLinked = (r: number, v: ReturnType<typeof sc.unknown>) => {
    const old = regs[r]!;
    if (old.id !== 0) {
      forEachReg(s, (x) => x.kind === 'scalar' && x.id === old.id, (x) => regWith(x, x.kind, v, x.off, x.id, x.range));
    } else {
      regs[r] = regWith(old, old.kind, v, old.off, old.id, old.range);
    }
  };
  setLinked(d, pair[0]);
  if (sreg >= 0) setLinked(sreg, pair[1]);
}

/** mark_ptr_or_null_regs: every copy of the pointer (same id) becomes NULL (scalar 0) or non-NULL. */
export function markNull(s: VState, reg: Reg, isNull: boolean): void {
  const id = reg.id;
  if (id === 0) return;
  forEachReg(s, (r) => r.id === id && Reg.isOrNull(r), (r) => {
    if (isNull) return Reg.konst(0);
    if (r.innerMap) return { ...r, kind: 'map_ptr', innerMap: false, id: 0 };
    return regWith(r, Reg.nonNull(r.kind), r.val, r.off, r.id, r.range);
  });
  // The NULL branch drops the reference only when the pointer is the acquired object itself
  // (ref_obj_id == id); a cast of it (bpf_skc_to_tcp_sock) being NULL leaves the socket held
  // (mark_ptr_or_null_regs @6.12).
  if (isNull && reg.refId && reg.refId === reg.id) s.refs = s.refs.filter((x) => x.id !== reg.refId);
}

function pktBranchTaken(dst: Reg, src: Reg, op: CmpName): boolean | undefined {
  let pkt: Reg;
  let o = op;
  if (src.kind === 'pkt_end') pkt = dst;
  else if (dst.kind === 'pkt_end') {
    pkt = src;
    o = FLIP[op];
  } else return undefined;
  if (pkt.range >= 0) return undefined;
  switch (o) {
    case 'jle':
    case 'jgt':
      if (pkt.range === BEYOND_PKT_END) return o === 'jgt';
      break;
    case 'jlt':
    case 'jge':
      if (pkt.range === BEYOND_PKT_END || pkt.range === AT_PKT_END) return o === 'jge';
      break;
    default:
      break;
  }
  return undefined;
}

const isInitPkt = (r: Reg) => r.kind === 'pkt' && r.off === 0 && sc.isConst(r.val) && sc.constValue(r.val) === 0n;

/** try_match_pkt_pointers: records proven ranges on the edges where they hold. */
function matchPkt(op: CmpName, insn: Insn, dst: Reg, src: Reg, fall: VState, jump: VState): boolean {
  const dstLow = (dst.kind === 'pkt' && src.kind === 'pkt_end') || (dst.kind === 'pkt_meta' && isInitPkt(src));
  const srcLow = (dst.kind === 'pkt_end' && src.kind === 'pkt') || (isInitPkt(dst) && src.kind === 'pkt_meta');
  if (!dstLow && !srcLow) return false;
  // Normalise to "low OP high" with low the pointer whose range may be proven.
  const low = dstLow ? dst : src;
  const lowNo = dstLow ? insn.dst : insn.src;
  const o = dstLow ? op : FLIP[op];
  switch (o) {
    case 'jgt': // low > high: fall-through proves low <= high
      goodPkt(fall, low, false);
      markEnd(jump, lowNo, true);
      return true;
    case 'jlt': // low < high on the jump edge
      goodPkt(jump, low, true);
      markEnd(fall, lowNo, false);
      return true;
    case 'jge': // low >= high: fall-through proves low < high
      goodPkt(fall, low, true);
      markEnd(jump, lowNo, false);
      return true;
    case 'jle': // low <= high on the jump edge
      goodPkt(jump, low, false);
      markEnd(fall, lowNo, true);
      return true;
    default:
      return false;
  }
}

function goodPkt(s: VState, low: Reg, rightOpen: boolean): void {
  if (low.off < 0 || (low.off === 0 && rightOpen)) return;
  if (low.val.umax > MAX_PACKET_OFF || low.val.umax + BigInt(low.off) > MAX_PACKET_OFF) return;
  const range = low.off + (rightOpen ? 1 : 0);
  forEachReg(s, (r) => r.kind === low.kind && r.id === low.id, (r) => (r.range >= range ? r : regWith(r, r.kind, r.val, r.off, r.id, range)));
}

function markEnd(s: VState, regno: number, beyond: boolean): void {
  const regs = curFrame(s).regs;
  const r = regs[regno]!;
  if (r.kind !== 'pkt' && r.kind !== 'pkt_meta') return;
  regs[regno] = regWith(r, r.kind, r.val, r.off, r.id, beyond ? BEYOND_PKT_END : AT_PKT_END);
}
