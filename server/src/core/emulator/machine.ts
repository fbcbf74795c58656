// Machine state shared by both tiers: registers (lo/hi int32 pairs), memory, call frames, the step
// budget and the cancellation flag, plus the hooks through which instructions reach helpers.

import { LdImm64Src } from '../isa/opcodes';
import type { Image } from './image';
import { EmuFault, FUNC_TAG, MAP_TAG, Memory, RegionFlag, ptrHi, ptrLo } from './memory';

/** Kernel limits: MAX_CALL_FRAMES (include/linux/bpf_verifier.h), MAX_BPF_STACK (include/linux/filter.h),
 *  BPF_MAX_LOOPS (include/linux/bpf.h) and MAX_TAIL_CALL_CNT (include/linux/bpf.h), Linux 6.12. */
export const MAX_CALL_FRAMES = 8;
export const STACK_SIZE = 512;
export const BPF_MAX_LOOPS = 8 * 1024 * 1024;
export const MAX_TAIL_CALL_CNT = 33;
const POLL_EVERY = 1 << 16;

export type Tier = 'interp' | 'jit';
export type ExecFn = (m: Machine, img: Image, ld: Int32Array, entry: number) => void;

/** Returns 0 normally; 1 when a tail call ran and its r0 is in regs[0..1] (the frame must exit). */
export type HelperHook = (m: Machine, id: number, slot: number) => number;
export type KfuncHook = (m: Machine, name: string, slot: number) => void;

export class Machine {
  readonly regs = new Int32Array(22);
  readonly V = new Int32Array(2);
  readonly mem = new Memory();
  steps = 0;
  pollAt = 0;
  depth = 0;
  readonly mayGoto: number[] = new Array(MAX_CALL_FRAMES + 1).fill(0);
  private readonly stacks: number[] = [];
  tailCalls = 0;
  /** Resolves map references and global-data values for LD_IMM64 (set by run()). */
  mapValueRegion: (mapIndex: number, slot: number) => number = (i, slot) => {
    throw new EmuFault('invalid-insn', slot, `lddw refers to map ${i}, but no maps are loaded`);
  };
  helper: HelperHook = (_m, id, slot) => {
    throw new EmuFault('helper', slot, `helper ${id} is not available`);
  };
  kfunc: KfuncHook = (_m, name, slot) => {
    throw new EmuFault('kfunc', slot, `kfunc ${name} is not available`);
  };
  private readonly ldCache = new Map<Image, Int32Array>();
  /** The image and values of the last lddwValues() call (repeated runs of one program skip the Map). */
  private lastImg: Image | undefined = undefined;
  private lastLd: Int32Array | undefined = undefined;
  /** Traced runs only: called before each instruction, and when a frame exits. */
  onStep: (slot: number) => void = () => {};
  onExit: () => void = () => {};

  constructor(
    readonly tiers: { interp: ExecFn; jit: ExecFn },
    public tier: Tier,
    readonly stepLimit: number,
    readonly cancel?: Int32Array,
  ) {
    this.pollAt = Math.min(POLL_EVERY, stepLimit + 1);
  }

  /** Called when `steps` reaches `pollAt`: enforces the step limit and polls the cancel flag. */
  poll(steps: number, slot: number): number {
    this.steps = steps;
    if (steps > this.stepLimit) {
      this.steps = this.stepLimit;
      const f = new EmuFault('step-limit', slot, `step limit of ${this.stepLimit} instructions reached`);
      f.accounted = true;
      throw f;
    }
    if (this.cancel && Atomics.load(this.cancel, 0) !== 0) {
      const f = new EmuFault('cancelled', slot, 'run cancelled');
      f.accounted = true;
      throw f;
    }
    this.pollAt = Math.min(steps + POLL_EVERY, this.stepLimit + 1);
    return this.pollAt;
  }

  /** Enters a new frame: r10 points at the top of a fresh 512-byte stack region. */
  enter(slot: number): void {
    if (this.depth >= MAX_CALL_FRAMES) {
      throw new EmuFault('stack-depth', slot, `call depth exceeds ${MAX_CALL_FRAMES} frames`);
    }
    let id = this.stacks[this.depth];
    if (id === undefined) {
      id = this.mem.add(`stack[${this.depth}]`, new Uint8Array(STACK_SIZE), RegionFlag.WRITABLE);
      this.stacks[this.depth] = id;
    }
    this.depth++;
    this.mayGoto[this.depth] = BPF_MAX_LOOPS;
    this.regs[20] = ptrLo(STACK_SIZE);
    this.regs[21] = ptrHi(id);
  }

  leave(): void {
    this.depth--;
    if (this.depth > 0) {
      this.regs[20] = ptrLo(STACK_SIZE);
      this.regs[21] = ptrHi(this.stacks[this.depth - 1]);
    }
  }

  /** may_goto as the kernel rewrites it: a per-frame counter starting at BPF_MAX_LOOPS; 0 → take the jump. */
  mayGotoTaken(): boolean {
    const d = this.depth;
    if (this.mayGoto[d] === 0) return true;
    this.mayGoto[d]--;
    return false;
  }

  /** LD_IMM64 values for an image in this machine (map pointers depend on the run's regions). */
  lddwValues(img: Image): Int32Array {
    if (img === this.lastImg) return this.lastLd!;
    let ld = this.ldCache.get(img);
    if (ld) {
      this.lastImg = img;
      this.lastLd = ld;
      return ld;
    }
    ld = new Int32Array(img.n * 2 + 2);
    for (const e of img.lddw) {
      const s = e.slot;
      switch (e.src) {
        case LdImm64Src.IMM:
          ld[2 * s] = e.lo; ld[2 * s + 1] = e.hi;
          break;
        case LdImm64Src.MAP_IDX:
        case LdImm64Src.MAP_FD:
          ld[2 * s] = e.lo; ld[2 * s + 1] = MAP_TAG;
          break;
        case LdImm64Src.MAP_IDX_VALUE:
        case LdImm64Src.MAP_VALUE: {
          // Resolved lazily: the region is created at first execution (a fault names the slot).
          ld[2 * s] = 0; ld[2 * s + 1] = 0;
          break;
        }
        case LdImm64Src.FUNC:
          ld[2 * s] = s + 1 + e.lo; ld[2 * s + 1] = FUNC_TAG;
          break;
        default:
          ld[2 * s] = 0; ld[2 * s + 1] = 0;
      }
    }
    this.ldCache.set(img, ld);
    for (const e of img.lddw) {
      if (e.src === LdImm64Src.MAP_IDX_VALUE || e.src === LdImm64Src.MAP_VALUE) {
        try {
          const r = this.mapValueRegion(e.lo, e.slot);
          ld[2 * e.slot] = ptrLo(e.tailImm);
          ld[2 * e.slot + 1] = ptrHi(r);
        } catch (err) {
          if (!(err instanceof EmuFault)) throw err;
          // Left as a null pointer; the first access through it faults as a null dereference.
        }
      }
    }
    return ld;
  }

  /** Runs an image from `entry` in a new frame; arguments are already in regs r1..r5. */
  exec(img: Image, entry: number): void {
    const ld = this.lddwValues(img);
    const prev = this.current;
    this.current = img;
    try {
      // Named loads (not tiers[tier]: a keyed load whose key varies between runs goes megamorphic).
      if (this.tier === 'jit') this.tiers.jit(this, img, ld, entry);
      else this.tiers.interp(this, img, ld, entry);
    } finally {
      this.current = prev;
    }
  }

  /** The image whose code is running (callbacks' function pointers are slots in it). */
  current: Image | undefined = undefined;
}
