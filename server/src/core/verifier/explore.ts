// The search: depth-first path exploration with a worklist of pending branch states, state
// pruning at prune points, loop detection and the processed-instruction limit
// (kernel/bpf/verifier.c @6.12: do_check, is_state_visited, push_stack/pop_stack).

import { Cls, JmpOp, LdImm64Src, Mode } from '../isa/opcodes';
import { isLdImm64 } from '../isa/insn';
import { Cancelled, mapOf, Reject, type Env } from './env';
import { execAlu } from './alu';
import { execLdx, execStore } from './memory';
import { condJump } from './branch';
import { enterCallback, frameExit, helperCall, kfuncCall, subprogCall } from './calls';
import { checkCallLocked, checkExitLocked } from './spinLock';
import { checkWritable, markRead, markSlotRead, readReg, setReg } from './regs';
import { cloneState, curFrame, Reg, regWith, sameBtf, type Checkpoint, type PathNode, type VState } from './state';
import { pointersDiffer, statesEqual } from './prune';
import { computeDemand } from './demand';
import { globalSubExit } from './globalFuncs';
import type { Cfg } from './cfg';
import { sc } from './sc';
import { regStr, stateStr } from './log';
import type { Scalar } from './domain/scalar';

/** BPF_COMPLEXITY_LIMIT_JMP_SEQ (kernel/bpf/verifier.c @6.12). */
const JMP_SEQ_LIMIT = 8192;

export interface Collected {
  /**
   * Per slot, the joined registers of the current frame (entries 0-10) and, per register, the last
   * register object joined into it (entries 11-21): when that object arrives again, joining it
   * again would give the same value (joinReg(joinReg(x, b), b) = joinReg(x, b)), since entry r
   * changes only by joining. One array per slot keeps a visit's reads together.
   */
  readonly regs: Array<Reg[] | undefined>;
  readonly visits: Uint32Array;
  /** Static liveness per slot (cfg.ts), set by explore: only live registers are joined. */
  live?: Uint16Array;
  readonly calls: Map<number, { helperId?: number; kfunc?: string; args: Reg[]; ret?: Reg }>;
  readonly exits: Map<number, { r0: Scalar; defs: Set<number> }>;
  totalStates: number;
  peakStates: number;
}

export function joinReg(a: Reg, b: Reg): Reg {
  if (a === b) return a;
  if (a.kind !== b.kind) {
    if (a.kind === 'not_init') return b;
    if (b.kind === 'not_init') return a;
    // A scalar on one path and a pointer on another: some unknown scalar (one shared object, so
    // the joins that follow see `a === Reg.unknown` and allocate nothing).
    if (a.kind === 'scalar' || b.kind === 'scalar') return a === Reg.unknown ? a : Reg.unknown;
    return { ...Reg.unknown, kind: a.kind };
  }
  const val = a.val === b.val ? a.val : sc.join(a.val, b.val);
  if (a.kind === 'scalar') return val === a.val && a.id === 0 ? a : Reg.scalar(val);
  const off = a.off < b.off ? a.off : b.off;
  const range = a.range < b.range ? a.range : b.range;
  const id = a.id === b.id ? a.id : 0;
  // BTF pointers to different types (or with different flags) join to one of unknown type
  if (!sameBtf(a.btf, b.btf)) return regWith({ ...a, btf: { id: 0, name: '' } }, a.kind, val, off, id, range);
  if (val === a.val && off === a.off && range === a.range && id === a.id) return a;
  return regWith(a, a.kind, val, off, id, range);
}

export function explore(env: Env, cfg: Cfg, start: VState, out: Collected): void {
  const insns = env.insns;
  const dem = computeDemand(insns, cfg.subStarts);
  out.live = cfg.live;
  // one mask object, refilled for each comparison (statesEqual does not keep it)
  const mask: { lo: number; hi: number; readLo: number | undefined; readHi: number | undefined } = { lo: -1, hi: -1, readLo: undefined, readHi: undefined };
  const slotMask = (cp: Checkpoint) => {
    const pc = cp.state.pc;
    mask.lo = dem.stackAll ? -1 : dem.slotsLo[pc]!;
    mask.hi = dem.stackAll ? -1 : dem.slotsHi[pc]!;
    const one = cp.state.frames.length === 1;
    mask.readLo = one ? cp.readLo : undefined;
    mask.readHi = one ? cp.readHi : undefined;
    return mask;
  };
  const stored: Array<Checkpoint[] | undefined> = new Array(insns.length);
  const stack: VState[] = [];
  let cur: VState | undefined = start;
  let liveStates = 0;
  let jmps = 0;
  let prevJmps = 0;
  let prevInsns = 0;
  let pendingPop = false;

  const endPath = (s: VState) => {
    let p = s.parent;
    while (p) {
      p.branches--;
      if (p.branches > 0) break;
      p = p.parent;
    }
  };
  const fork = (s: VState): VState => {
    const c = cloneState(s);
    if (s.parent) s.parent.branches++;
    return c;
  };

  while (cur) {
    env.cur = cur;
    const pc = cur.pc;
    if (pendingPop && env.log) env.log.push(`from ${pc} (popped): ${stateStr(env, cur)}`);
    pendingPop = false;
    if (pc < 0 || pc >= insns.length) throw new Reject('bpf/bad-insn', `invalid insn idx ${pc} insn_cnt ${insns.length}`, 'Execution left the program.');

    if (++env.processed > env.insnLimit) {
      throw new Reject('bpf/too-complex', `BPF program is too large. Processed ${env.processed} insn`,
        `The verifier explored more than ${env.insnLimit} instructions along all paths. Reduce branching, bound loops more tightly, or split the program (tail calls).`);
    }
    if (env.cancel && (env.processed & 1023) === 0 && Atomics.load(env.cancel, 0) !== 0) throw new Cancelled();

    // Pruning at prune points (is_state_visited). Checkpoints are added only every few jumps and
    // instructions, and less often inside loops; states that keep missing are evicted — the kernel's
    // heuristics, which also keep processed-instruction counts comparable.
    if (cfg.prune[pc]) {
      const list = stored[pc] ?? (stored[pc] = []);
      const live = cfg.live[pc]!;
      let pruned = false;
      const force = cfg.force[pc] === 1;
      let addNew = force || (jmps - prevJmps >= 2 && env.processed - prevInsns >= 8);
      // At a callback's entry the helper bounds the number of calls: reaching a state an earlier
      // (still running) entry subsumes means the iterations converged (the kernel's callback_calls rule).
      const top = curFrame(cur);
      const cbEntry = (top.callback !== undefined && pc === top.subStart) || (insns[pc]!.code === (Cls.JMP | JmpOp.JCOND));
      for (let k = 0; k < list.length; k++) {
        const cp = list[k]!;
        if (cp.branches > 0 && !cbEntry) {
          if (statesEqual(env, cp.state, cur, live, true)) {
            throw new Reject('bpf/loop', `infinite loop detected at insn ${pc}`, 'This loop returns to the same instruction in exactly the same state, so it never ends. Make the loop counter change and bound it.');
          }
          if (!force && jmps - prevJmps < 20 && env.processed - prevInsns < 100) addNew = false;
        } else if (!pointersDiffer(cp, cur, live) && statesEqual(env, cp.state, cur, cp.state.frames.length === 1 ? live & cp.read : live, false, dem.regs[pc]!, slotMask(cp))) {
          cp.hit++;
          pruned = true;
          // propagate_liveness: what the old continuation read, this path's ancestors read too
          const one = cp.state.frames.length === 1;
          for (let reads = one ? cp.read : 0x3ff; reads !== 0; reads &= reads - 1) markRead(cur, 31 - Math.clz32(reads & -reads));
          for (let lo = one ? cp.readLo : -1; lo !== 0; lo &= lo - 1) markSlotRead(cur, 31 - Math.clz32(lo & -lo));
          for (let hi = one ? cp.readHi : -1; hi !== 0; hi &= hi - 1) markSlotRead(cur, 63 - Math.clz32(hi & -hi));
          break;
        }
        if (addNew) cp.miss++;
        const lim = force && cp.branches > 0 ? 64 : 3;
        if (cp.miss > cp.hit * lim + lim) {
          list.splice(k, 1);
          k--;
          liveStates--;
        }
      }
      if (pruned) {
        if (env.log) env.log.push(`${pc}: safe`);
        endPath(cur);
        cur = stack.pop();
        pendingPop = true;
        continue;
      }
      if (addNew) {
        const cp: Checkpoint = { state: cloneState(cur), branches: 1, parent: cur.parent, miss: 0, hit: 0, read: 0, segWritten: cur.written, readLo: 0, readHi: 0, segWLo: cur.wLo, segWHi: cur.wHi, ptrRegs: undefined };
        cur.parent = cp;
        cur.written = 0;
        cur.wLo = 0;
        cur.wHi = 0;
        list.push(cp);
        out.totalStates++;
        liveStates++;
        if (liveStates > out.peakStates) out.peakStates = liveStates;
        prevJmps = jmps;
        prevInsns = env.processed;
      }
    }

    record(out, cur, pc, cfg.live[pc]!);
    const insn = insns[pc]!;
    const cls = insn.code & 0x07;
    let next = pc + 1;
    if (cls === Cls.JMP || cls === Cls.JMP32) jmps++;
    switch (cls) {
      case Cls.ALU:
      case Cls.ALU64:
        execAlu(env, insn, pc);
        break;
      case Cls.LDX:
        execLdx(env, insn, pc);
        break;
      case Cls.ST:
      case Cls.STX:
        execStore(env, insn, pc);
        break;
      case Cls.LD:
        if (isLdImm64(insn.code)) {
          ldImm64(env, pc);
          next = pc + 2;
          break;
        }
        if ((insn.code & 0xe0) === Mode.ABS || (insn.code & 0xe0) === Mode.IND) {
          throw new Reject('bpf/bad-insn', 'BPF_LD_[ABS|IND] instructions not allowed for this program type', 'Legacy packet loads (LD_ABS/LD_IND) are for socket filters, not XDP.');
        }
        throw new Reject('bpf/bad-insn', `unknown opcode ${insn.code.toString(16)}`, 'Unknown instruction.');
      case Cls.JMP:
      case Cls.JMP32: {
        const op = insn.code & 0xf0;
        if (op === JmpOp.JA) {
          next = pc + 1 + (cls === Cls.JMP32 ? insn.imm : insn.off);
          break;
        }
        if (op === JmpOp.EXIT) {
          if (cur.frames.length > 1) {
            const cb = curFrame(cur).callback;
            next = frameExit(env);
            if (cb?.reenter) {
              // returning from a callback: the helper may call it again with the caller's updated state
              const again = fork(cur);
              env.cur = again;
              again.pc = enterCallback(env, next - 1, cb.reenter);
              env.cur = cur;
              stack.push(again);
            }
            break;
          }
          mainExit(env, out, pc);
          endPath(cur);
          cur = stack.pop();
          pendingPop = true;
          continue;
        }
        if (op === JmpOp.CALL) {
          if (cls === Cls.JMP32) throw new Reject('bpf/bad-insn', 'BPF_CALL uses reserved fields', 'Invalid call encoding.');
          next = doCall(env, out, pc, stack, fork);
          break;
        }
        if (op === JmpOp.JCOND) {
          // may_goto: the kernel may cut the loop at any iteration, so both edges are possible.
          if (insn.src !== 0 || insn.dst !== 0 || insn.imm !== 0 || cls !== Cls.JMP) throw new Reject('bpf/bad-insn', 'invalid may_goto imm/regs', 'Malformed may_goto.');
          const jumpState = fork(cur);
          jumpState.pc = pc + 1 + insn.off;
          jumpState.path = { slot: pc, taken: true, prev: cur.path };
          stack.push(jumpState);
          next = pc + 1;
          break;
        }
        const edges = condJump(env, insn, cls === Cls.JMP32, pc);
        const target = pc + 1 + insn.off;
        if (edges.jump && edges.fall) {
          const jumpState = edges.jump;
          // condJump cloned `jump` from cur; account for the new branch.
          if (cur.parent) cur.parent.branches++;
          jumpState.pc = target;
          jumpState.path = { slot: pc, taken: true, prev: cur.path } satisfies PathNode;
          cur.path = { slot: pc, taken: false, prev: cur.path };
          stack.push(jumpState);
          if (stack.length > JMP_SEQ_LIMIT) {
            throw new Reject('bpf/too-complex', `The sequence of ${stack.length} jumps is too complex.`, 'Too many pending branches; the program branches too much without merging.');
          }
          cur = edges.fall;
          next = pc + 1;
        } else if (edges.jump) {
          cur = edges.jump;
          next = target;
        } else if (edges.fall) {
          cur = edges.fall;
          next = pc + 1;
        }
        break;
      }
      default:
        throw new Reject('bpf/bad-insn', `unknown opcode ${insn.code.toString(16)}`, 'Unknown instruction.');
    }
    cur.pc = next;
  }
}

/**
 * Joins the current registers into the slot's state. Registers dead at the slot (no path reads
 * them before writing them) are not joined: nothing can depend on their value there, and
 * verify() reports them as not_init. r10 is always joined.
 */
function record(out: Collected, s: VState, pc: number, live: number): void {
  const regs = curFrame(s).regs;
  out.visits[pc]!++;
  const j = out.regs[pc];
  if (!j) {
    out.regs[pc] = regs.concat(regs);
    return;
  }
  live |= 0x400;
  for (let r = 0; r < 11; r++) {
    if ((live & (1 << r)) === 0) continue;
    const a = j[r]!;
    const b = regs[r]!;
    if (a === b || j[11 + r] === b) continue;
    j[r] = joinReg(a, b);
    j[11 + r] = b;
  }
}

function ldImm64(env: Env, pc: number): void {
  const insn = env.insns[pc]!;
  const tail = env.insns[pc + 1];
  checkWritable(insn.dst);
  if (!tail || !tail.tail || tail.code !== 0 || tail.dst !== 0 || tail.src !== 0 || tail.off !== 0) {
    throw new Reject('bpf/bad-insn', 'invalid bpf_ld_imm64 insn', 'Malformed 16-byte lddw.');
  }
  switch (insn.src) {
    case LdImm64Src.IMM:
      setReg(env, insn.dst, Reg.konst(insn.imm64 ?? BigInt(insn.imm >>> 0)), pc);
      return;
    case LdImm64Src.MAP_FD:
    case LdImm64Src.MAP_IDX:
      mapOf(env, insn.imm);
      setReg(env, insn.dst, Reg.ptr('map_ptr', { map: insn.imm }), pc);
      return;
    case LdImm64Src.MAP_VALUE:
    case LdImm64Src.MAP_IDX_VALUE: {
      const m = mapOf(env, insn.imm);
      const off = tail.imm >>> 0;
      if (off >= m.valueSize) {
        throw new Reject('bpf/map-bounds', `invalid access to map value pointer, value_size=${m.valueSize} off=${off}`, `The global variable offset ${off} is outside ${m.name}.`);
      }
      setReg(env, insn.dst, Reg.ptr('map_value', { map: insn.imm, off }), pc);
      return;
    }
    case LdImm64Src.FUNC:
      setReg(env, insn.dst, Reg.ptr('func', { sub: pc + insn.imm + 1 }), pc);
      return;
    default:
      throw new Reject('bpf/other', `xdp-lens does not model ld_imm64 with src_reg ${insn.src}`, 'This form of lddw (e.g. a BTF object reference) is not modelled; the program is refused rather than guessed.');
  }
}

function doCall(env: Env, out: Collected, pc: number, stack: VState[], fork: (s: VState) => VState): number {
  const insn = env.insns[pc]!;
  const s = env.cur;
  if (insn.src === 1) {
    if (insn.dst !== 0 || insn.off !== 0) throw new Reject('bpf/bad-insn', 'BPF_CALL uses reserved fields', 'Invalid call encoding.');
    return subprogCall(env, insn, pc);
  }
  const args = curFrame(s).regs.slice(1, 6);
  let rec = out.calls.get(pc);
  if (insn.src === 2) {
    checkCallLocked(env, undefined);
    kfuncCall(env, pc);
    if (!rec) out.calls.set(pc, (rec = { kfunc: env.kfuncAt.get(pc), args }));
    else rec.args = rec.args.map((a, i) => joinReg(a, args[i]!));
    rec.ret = rec.ret ? joinReg(rec.ret, curFrame(s).regs[0]!) : curFrame(s).regs[0]!;
    return pc + 1;
  }
  if (insn.src !== 0 || insn.dst !== 0 || insn.off !== 0) throw new Reject('bpf/bad-insn', 'BPF_CALL uses reserved fields', 'Invalid call encoding.');
  checkCallLocked(env, insn.imm);
  const res = helperCall(env, insn, pc);
  if (!rec) out.calls.set(pc, (rec = { helperId: insn.imm, args }));
  else rec.args = rec.args.map((a, i) => joinReg(a, args[i]!));
  rec.ret = rec.ret ? joinReg(rec.ret, curFrame(s).regs[0]!) : curFrame(s).regs[0]!;
  if (res.callback) {
    // The helper may call the callback zero or more times: continue after the call (not called), and
    // explore the callback; its exit returns here (frameExit) and the loop re-enters via pruning.
    const notCalled = fork(s);
    notCalled.pc = pc + 1;
    stack.push(notCalled);
    const cb = res.callback;
    const target = enterCallback(env, pc, cb);
    return target;
  }
  return pc + 1;
}

function mainExit(env: Env, out: Collected, pc: number): void {
  const s = env.cur;
  checkExitLocked(env);
  if (s.refs.length > 0) {
    const r = s.refs[0]!;
    throw new Reject('bpf/ref-leak', `Unreleased reference id=${r.id} alloc_insn=${r.insn}`,
      r.kind === 'sock' ? `The socket from the lookup at insn ${r.insn} is not released on this path; call bpf_sk_release() on it.` : `The ringbuf record reserved at insn ${r.insn} is neither submitted nor discarded on this path.`,
      { allocInsn: r.insn });
  }
  if (globalSubExit(env)) return; // a global function verified on its own: R0 scalar, no XDP exit
  const r0 = curFrame(s).regs[0]!;
  if (r0.kind === 'not_init') {
    throw new Reject('bpf/exit-r0', 'R0 !read_ok', 'The program returns without setting a return value (XDP_PASS, XDP_DROP, ...) on this path.');
  }
  if (Reg.isPtr(r0) && !env.privileged) {
    throw new Reject('bpf/ptr-leak', 'R0 leaks addr as return value', 'A pointer is returned as the XDP action.');
  }
  readReg(env, 0);
  const val = r0.kind === 'scalar' ? r0.val : sc.unknown();
  const e = out.exits.get(pc);
  if (!e) out.exits.set(pc, { r0: val, defs: new Set([s.r0Def]) });
  else {
    e.r0 = sc.join(e.r0, val);
    e.defs.add(s.r0Def);
  }
  if (env.log) env.log.push(`${pc}: exit R0=${regStr(env, r0)}`);
}

export function pathList(p: PathNode | undefined): Array<{ slot: number; taken: boolean }> {
  const outp: Array<{ slot: number; taken: boolean }> = [];
  for (let n = p; n; n = n.prev) outp.push({ slot: n.slot, taken: n.taken });
  return outp.reverse();
}
