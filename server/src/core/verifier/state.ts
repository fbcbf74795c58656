// Abstract machine state of the verifier: registers, stack frames, acquired references.
// Registers and stack slots are immutable values; a state copy copies arrays of references,
// never the values (copy-on-write at the granularity of one register / one stack byte array).

import type { RegKind } from './result';
import type { Scalar } from './domain/scalar';
import { sc } from './sc';

/** One register. Pointers keep their variable offset in `val`, the constant part in `off`. */
export interface Reg {
  readonly kind: RegKind;
  readonly val: Scalar;
  readonly off: number;
  /** Links copies of one pointer (packet ranges, null checks) and equal scalars. 0 = none. */
  readonly id: number;
  /** Reference this register carries (socket, ringbuf record); 0 = none. */
  readonly refId: number;
  /** Packet pointers: proven readable bytes from the pointer (kernel `r=`). */
  readonly range: number;
  /** Map pointer / map value / map key: index into LoadedObject.maps; -1 otherwise. */
  readonly map: number;
  /** mem / ringbuf_mem: size in bytes. */
  readonly memSize: number;
  /** fp: frame number the stack pointer points into. */
  readonly frame: number;
  /** func: first slot of the callback subprogram. */
  readonly sub: number;
  /** mem: read-only memory (MEM_RDONLY). */
  readonly rdonly?: boolean;
  /** map_value_or_null from a map-in-map lookup: non-NULL means a map pointer (CONST_PTR_TO_MAP). */
  readonly innerMap?: boolean;
  /**
   * mem / mem_or_null from bpf_dynptr_slice(_rdwr): id of the dynptr it is a slice of (the kernel's
   * dynptr_id; every dynptr modelled is an XDP one, so the slice points into the packet:
   * reg_is_dynptr_slice_pkt, kernel/bpf/verifier.c @6.12).
   */
  readonly dynptr?: number;
  /** btf_id / btf_id_or_null (PTR_TO_BTF_ID): the pointee's type and the pointer's flags. */
  readonly btf?: BtfRef;
}

/**
 * What a PTR_TO_BTF_ID register points to (kernel/bpf/verifier.c @6.12: reg->btf, reg->btf_id and
 * the type flags). The type is the program's own BTF (LoadedObject.btf): the kernel types these
 * pointers with its vmlinux or module BTF, which xdp-lens does not have, and libbpf relocates the
 * program's CO-RE field offsets against it; xdp-lens applies no CO-RE relocation, so the program's
 * local declaration of the struct is taken as the layout (a known imprecision when the local
 * declaration differs from the running kernel's).
 */
export interface BtfRef {
  /** Type id of the pointee struct/union in the program's BTF; 0 when it has no complete definition there. */
  readonly id: number;
  /** The struct's name, as the kernel's messages print it (`ptr_<name>`). */
  readonly name: string;
  /** PTR_TRUSTED or PTR_UNTRUSTED; undefined is neither (the kernel's plain, legacy PTR_TO_BTF_ID). */
  readonly trust?: 'trusted' | 'untrusted';
  /** MEM_USER / MEM_PERCPU: a `user` / `percpu` btf_type_tag on the pointer member it was loaded from. */
  readonly tag?: 'user' | 'percpu';
}

/** Same type and flags (the pointee and reg->type's flags, as regsafe compares them). */
export function sameBtf(a: BtfRef | undefined, b: BtfRef | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.id === b.id && a.name === b.name && a.trust === b.trust && a.tag === b.tag);
}

const NOT_INIT: Reg = { kind: 'not_init', val: sc.unknown(), off: 0, id: 0, refId: 0, range: 0, map: -1, memSize: 0, frame: 0, sub: -1 };
const UNKNOWN: Reg = { ...NOT_INIT, kind: 'scalar' };

type MutableReg = { -readonly [K in keyof Reg]: Reg[K] };

/**
 * `{ ...a, kind, val, off, id, range }` without the spread: a literal with every field in one fixed
 * order (one hidden class, no property enumeration); the optional flags are copied only when present,
 * as the spread would.
 */
export function regWith(a: Reg, kind: RegKind, val: Scalar, off: number, id: number, range: number): Reg {
  const r: MutableReg = { kind, val, off, id, refId: a.refId, range, map: a.map, memSize: a.memSize, frame: a.frame, sub: a.sub };
  if (a.rdonly !== undefined) r.rdonly = a.rdonly;
  if (a.innerMap !== undefined) r.innerMap = a.innerMap;
  if (a.dynptr !== undefined) r.dynptr = a.dynptr;
  if (a.btf !== undefined) r.btf = a.btf;
  return r;
}

export const Reg = {
  notInit: NOT_INIT,
  unknown: UNKNOWN,
  scalar(val: Scalar): Reg {
    // a literal with every field, in one fixed order, keeps one hidden class and avoids spreads
    return { kind: 'scalar', val, off: 0, id: 0, refId: 0, range: 0, map: -1, memSize: 0, frame: 0, sub: -1 };
  },
  konst(v: bigint | number): Reg {
    return { kind: 'scalar', val: sc.k(BigInt(v)), off: 0, id: 0, refId: 0, range: 0, map: -1, memSize: 0, frame: 0, sub: -1 };
  },
  ptr(kind: RegKind, extra: Partial<Reg> = {}): Reg {
    return { ...NOT_INIT, kind, val: sc.k(0n), ...extra };
  },
  isPtr(r: Reg): boolean {
    return r.kind !== 'scalar' && r.kind !== 'not_init';
  },
  isPkt(r: Reg): boolean {
    return r.kind === 'pkt' || r.kind === 'pkt_meta';
  },
  isOrNull(r: Reg): boolean {
    return r.kind.endsWith('_or_null');
  },
  /** The non-null kind of a `*_or_null` kind. */
  nonNull(k: RegKind): RegKind {
    return (k.endsWith('_or_null') ? k.slice(0, -8) : k) as RegKind;
  },
};

/** Stack byte kinds (the kernel's STACK_INVALID / STACK_MISC / STACK_ZERO / STACK_SPILL / STACK_DYNPTR). */
export const enum SB {
  INVALID = 0,
  MISC = 1,
  ZERO = 2,
  SPILL = 3,
  /** Both 8-byte slots of a dynptr (never set partially); `spill` holds a dynptrSlot marker per slot. */
  DYNPTR = 4,
}

/**
 * The marker kept in `spill` for an 8-byte slot of a dynptr (the kernel's spilled_ptr of a
 * STACK_DYNPTR slot, __mark_dynptr_reg @6.12): `id` is the dynptr's id, `off` 1 on its first
 * (lower-addressed) slot, 0 on the second. Kind not_init: it never reaches a register.
 */
export function dynptrSlot(id: number, first: boolean): Reg {
  return { kind: 'not_init', val: sc.unknown(), off: first ? 1 : 0, id, refId: 0, range: 0, map: -1, memSize: 0, frame: 0, sub: -1 };
}

export const STACK_SIZE = 512;
export const MAX_FRAMES = 8;

export interface Frame {
  regs: Reg[];
  /** Byte kinds, index = 512 + (offset from fp), offsets -512..-1. */
  stype: Uint8Array;
  /** Spilled registers per 8-byte slot, index = (512 + off) >> 3. Only 8-byte-aligned spills are kept. */
  spill: Array<Reg | undefined>;
  /** Slot of the call instruction that created this frame (-1 for the main program). */
  readonly callsite: number;
  /** First slot of the subprogram executing in this frame. */
  readonly subStart: number;
  /** Deepest stack byte touched (positive number of bytes). */
  depth: number;
  /** Callback frames (bpf_loop etc.): the R0 range that must hold at the callback's exit. */
  readonly callback?: { readonly retMin: bigint; readonly retMax: bigint; readonly reenter?: CallbackInfo };
  /** stype/spill shared with another state: copy before writing. */
  shared: boolean;
}

/** What a callback-calling helper passes to its callback (bpf_loop, bpf_for_each_map_elem). */
export interface CallbackInfo {
  readonly start: number;
  readonly kind: 'loop' | 'for_each_map_elem';
  readonly ctxReg: Reg;
  readonly map: number;
}

export interface RefInfo {
  readonly id: number;
  readonly insn: number;
  readonly kind: 'sock' | 'ringbuf' | 'other';
}

/** A branch decision on the path to the current instruction (immutable cons list). */
export interface PathNode {
  readonly slot: number;
  readonly taken: boolean;
  readonly prev: PathNode | undefined;
}

/** A checkpoint stored at a prune point. `branches` counts unfinished paths below it. */
export interface Checkpoint {
  readonly state: VState;
  branches: number;
  readonly parent: Checkpoint | undefined;
  /** Visits of the instruction at which this checkpoint was stored (for loop heuristics). */
  miss: number;
  hit: number;
  /** Frame-0 registers read (before being written) by the explored continuation (kernel REG_LIVE_READ). */
  read: number;
  /** Frame-0 registers written between the parent checkpoint and this one. */
  readonly segWritten: number;
  /** Frame-0 stack slots (bit = spi, two 32-bit words) read by the continuation / fully written in the segment. */
  readLo: number;
  readHi: number;
  readonly segWLo: number;
  readonly segWHi: number;
  /**
   * Frame-0 registers (0-9) and spilled stack slots (10 + slot) that hold pointers in `state` and
   * that the comparison at this checkpoint's instruction looks at; set when the checkpoint is first
   * compared after its exploration finished (prune.ts pointersDiffer), undefined before.
   */
  ptrRegs: number[] | undefined;
}

/**
 * The bpf_spin_lock held (the kernel's active_lock @6.12): the map whose value holds it and the id
 * of the pointer it was taken through (0 for a global-data value); `insn`, the bpf_spin_lock call's
 * slot, is for messages only (pruning compares map and id, as states_equal does).
 */
export interface HeldLock {
  readonly map: number;
  readonly id: number;
  readonly insn: number;
}

export interface VState {
  frames: Frame[];
  refs: RefInfo[];
  /** The spin lock held on this path, if any. */
  lock: HeldLock | undefined;
  pc: number;
  path: PathNode | undefined;
  /** Slot that last wrote R0 of frame 0 (-1: the entry). */
  r0Def: number;
  parent: Checkpoint | undefined;
  /** Whether packet pointers were invalidated in a way callers must know (for subprogs). */
  changesPkt: boolean;
  /** Frame-0 registers written since the last checkpoint. */
  written: number;
  /** Frame-0 stack slots fully (8 bytes) written since the last checkpoint. */
  wLo: number;
  wHi: number;
}

/**
 * Stack byte kinds are copied on the first write after a state copy, about a thousand times per
 * verification of a large program. A fresh 512-byte Uint8Array has its own off-heap buffer (V8 keeps
 * only typed arrays up to 64 bytes on its heap), which costs an allocation and GC bookkeeping each;
 * views into a shared block cost neither. A block stays alive while a frame still uses one of its views.
 */
const STYPE_BLOCK = STACK_SIZE * 256;
let stypeBlock = new ArrayBuffer(STYPE_BLOCK);
let stypeNext = 0;

/** A new stack-kind array: a copy of `src`, or all STACK_INVALID. */
export function stackKinds(src?: Uint8Array): Uint8Array {
  if (stypeNext + STACK_SIZE > STYPE_BLOCK) {
    stypeBlock = new ArrayBuffer(STYPE_BLOCK);
    stypeNext = 0;
  }
  const a = new Uint8Array(stypeBlock, stypeNext, STACK_SIZE);
  stypeNext += STACK_SIZE;
  if (src) a.set(src);
  return a;
}

export function newFrame(callsite: number, subStart: number, regs: Reg[], callback?: Frame['callback']): Frame {
  return { regs, stype: stackKinds(), spill: new Array(STACK_SIZE / 8).fill(undefined), callsite, subStart, depth: 0, callback, shared: false };
}

function copyFrame(f: Frame): Frame {
  f.shared = true;
  return { regs: f.regs.slice(), stype: f.stype, spill: f.spill, callsite: f.callsite, subStart: f.subStart, depth: f.depth, callback: f.callback, shared: true };
}

/** Makes a frame's stack private before a write. */
export function ownStack(f: Frame): void {
  if (f.shared) {
    f.stype = stackKinds(f.stype);
    f.spill = f.spill.slice();
    f.shared = false;
  }
}

export function cloneState(s: VState): VState {
  return {
    frames: s.frames.map(copyFrame),
    refs: s.refs.slice(),
    lock: s.lock,
    pc: s.pc,
    path: s.path,
    r0Def: s.r0Def,
    parent: s.parent,
    changesPkt: s.changesPkt,
    written: s.written,
    wLo: s.wLo,
    wHi: s.wHi,
  };
}

export function curFrame(s: VState): Frame {
  return s.frames[s.frames.length - 1]!;
}
