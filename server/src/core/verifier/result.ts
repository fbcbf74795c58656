// What the verifier leaves behind for the CLI, the XDP analyses, hovers and quick-fixes.
// Contract between the verifier (issue 3) and its consumers (issues 5 and 6): extend, don't break.

import type { Finding } from '../diagnostics/finding';
import type { Scalar } from './domain/scalar';

/** Register types, named as in the kernel's enum bpf_reg_type / verifier log. */
export type RegKind =
  | 'not_init'
  | 'scalar'
  | 'ctx'
  | 'pkt'
  | 'pkt_meta'
  | 'pkt_end'
  | 'fp'
  | 'map_value'
  | 'map_value_or_null'
  | 'map_ptr'
  | 'map_key'
  | 'ringbuf_mem'
  | 'ringbuf_mem_or_null'
  | 'sock'
  | 'sock_or_null'
  | 'sock_common'
  | 'sock_common_or_null'
  | 'tcp_sock'
  | 'tcp_sock_or_null'
  | 'mem'
  | 'mem_or_null'
  | 'btf_id'
  | 'btf_id_or_null'
  | 'func';

/** One register's abstract value as consumers see it. */
export interface RegView {
  readonly kind: RegKind;
  /** For scalars: the value; for pointers: the variable part of the offset. */
  readonly value: Scalar;
  /** Constant offset of a pointer from its base. */
  readonly off: number;
  /** Packet pointers: bytes proven readable from the pointer's base (the kernel's `r=`). */
  readonly range?: number;
  /** Map pointers/values: index into LoadedObject.maps. */
  readonly mapIndex?: number;
  /** Kernel-style id linking registers that came from the same pointer/lookup. */
  readonly id?: number;
  /** btf_id(_or_null): the pointee struct's name and the pointer's trust (absent: the kernel's plain PTR_TO_BTF_ID). Added field. */
  readonly btfType?: string;
  readonly trust?: 'trusted' | 'untrusted';
}

/** Joined state at one instruction (over all paths that reached it). */
export interface InsnState {
  /**
   * r0..r10 at entry to the instruction (frame of the instruction's function). A register dead
   * there (static liveness: no path reads it before writing it) is not_init: its value cannot
   * matter to anything the program does from here.
   */
  readonly regs: readonly RegView[];
  /** How many times the instruction was processed. */
  readonly visits: number;
}

export interface HelperCallSite {
  readonly slot: number;
  /** Helper id for `call N`, or undefined for a kfunc / bpf-to-bpf call. */
  readonly helperId?: number;
  readonly kfunc?: string;
  /** R1..R5 at the call, joined over the paths that reached it. */
  readonly args: readonly RegView[];
  /** R0 after the call, joined. */
  readonly ret?: RegView;
}

export interface ExitSite {
  readonly slot: number;
  /** R0 at this exit of the main program (frame 0), joined over every path reaching it. */
  readonly r0: Scalar;
  /** Slots of the instructions that last wrote R0 on the paths reaching this exit. */
  readonly r0Defs: readonly number[];
}

export interface VerifyStats {
  readonly processedInsns: number;
  readonly peakStates: number;
  readonly totalStates: number;
  readonly verifyMs: number;
}

export interface VerifyResult {
  /** 'error' means the verifier could not run (e.g. malformed program), not a rejection. */
  readonly verdict: 'accept' | 'reject' | 'error';
  /** `bpf/...` findings; on reject the first is the rejection. */
  readonly findings: readonly Finding[];
  readonly stats: VerifyStats;
  /** Joined state per slot; undefined for unreachable slots and lddw tails. */
  readonly states: ReadonlyArray<InsnState | undefined>;
  readonly calls: readonly HelperCallSite[];
  readonly exits: readonly ExitSite[];
  /** The kernel-style log lines, when requested. */
  readonly log?: readonly string[];
}
