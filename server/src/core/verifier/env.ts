// The verifier environment: the program being checked, options, counters and the collectors
// of per-slot results. One per verify() call; passed to every transfer module.

import type { LoadedObject, MapDef, Program } from '../program';
import type { Insn } from '../isa/insn';
import type { BpfCodes } from '../diagnostics/codes';
import { Reg, type VState } from './state';

export type BpfCode = keyof typeof BpfCodes;

/** Thrown by a transfer function when the kernel would refuse the program at this instruction. */
export class Reject extends Error {
  constructor(
    readonly code: BpfCode,
    /** The kernel's wording (first line the kernel prints for this failure). */
    readonly kmsg: string,
    /** Plain-language explanation. */
    readonly explanation: string,
    /** Extra data for hovers and quick-fixes. */
    readonly data: Record<string, unknown> = {},
  ) {
    super(kmsg);
  }
}

/** Thrown when opts.cancel is raised. */
export class Cancelled extends Error {}

export interface VerifyOptions {
  /** Kernel version the verdict should match, "major.minor"; default "6.18". */
  kernel?: string;
  log?: boolean;
  cancel?: Int32Array;
  insnLimit?: number;
  /** Loader privileges: the default (true) is root, as the kernel oracle loads. */
  privileged?: boolean;
  /** Program loaded device-bound (prog_ifindex + BPF_F_XDP_DEV_BOUND_ONLY): XDP metadata kfuncs allowed. */
  devBound?: boolean;
}

export interface Env {
  readonly prog: Program;
  readonly obj: LoadedObject;
  /** obj.maps followed by the inner-map templates of map-in-map maps. */
  readonly maps: readonly MapDef[];
  /** Outer map index -> index (in `maps`) of its inner template. */
  readonly innerOf: ReadonlyMap<number, number>;
  readonly devBound: boolean;
  /** Deepest stack use per subprogram start (for the combined stack size check). */
  readonly subDepth: Map<number, number>;
  readonly insns: readonly Insn[];
  /** Per slot, the constant register of the instruction's immediate, made on first use (immReg). */
  readonly immRegs: Array<Reg | undefined>;
  /** kernel version as a comparable number, e.g. 6.18 -> 618. */
  readonly kver: number;
  readonly privileged: boolean;
  readonly insnLimit: number;
  readonly log: string[] | undefined;
  readonly cancel: Int32Array | undefined;
  /** kfunc name by call slot. */
  readonly kfuncAt: ReadonlyMap<number, string>;
  /** The program calls a dynptr kfunc: stack accesses look for STACK_DYNPTR slots, pruning compares them. */
  readonly dynptr: boolean;
  /** Subprogram start slots (sorted), entry first. */
  readonly subStarts: readonly number[];
  nextId: number;
  processed: number;
  cur: VState;
}

export function kernelVersion(s: string | undefined): number {
  const m = /^(\d+)\.(\d+)/.exec(s ?? '6.18');
  return m ? Number(m[1]) * 100 + Number(m[2]) : 618;
}

export function mapOf(env: Env, index: number): MapDef {
  const m = env.maps[index];
  if (!m) throw new Reject('bpf/bad-insn', `fd ${index} is not pointing to valid bpf_map`, `The instruction refers to map #${index}, which the object does not define.`);
  return m;
}

export function newId(env: Env): number {
  return ++env.nextId;
}

/**
 * The immediate of the instruction at `slot` as a constant register: sign-extended to 64 bits, or
 * zero-extended from 32 (`zext32`), as the instruction's class reads it. One object per slot,
 * shared by every visit (registers are immutable), instead of a new register and bigint per visit.
 */
export function immReg(env: Env, slot: number, zext32: boolean): Reg {
  let r = env.immRegs[slot];
  if (r === undefined) {
    const imm = env.insns[slot]!.imm;
    r = env.immRegs[slot] = Reg.konst(zext32 ? BigInt(imm >>> 0) : BigInt(imm));
  }
  return r;
}
