// The loaded-object model: what the loader produces from a clang-built BPF ELF and what the
// verifier, XDP analyses and emulator consume. Plain data, deterministic, no IO.

import type { Insn } from './isa/insn';
import type { Btf } from './btf';

/** A position in C source, 1-based line and column, as .BTF.ext line_info gives it. */
export interface SourceLoc {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The source line's text as recorded in BTF (may be empty). */
  readonly text: string;
}

/** BPF map types by kernel enum value (include/uapi/linux/bpf.h enum bpf_map_type). */
export const MapType = {
  UNSPEC: 0, HASH: 1, ARRAY: 2, PROG_ARRAY: 3, PERF_EVENT_ARRAY: 4, PERCPU_HASH: 5, PERCPU_ARRAY: 6,
  STACK_TRACE: 7, CGROUP_ARRAY: 8, LRU_HASH: 9, LRU_PERCPU_HASH: 10, LPM_TRIE: 11, ARRAY_OF_MAPS: 12,
  HASH_OF_MAPS: 13, DEVMAP: 14, SOCKMAP: 15, CPUMAP: 16, XSKMAP: 17, SOCKHASH: 18, CGROUP_STORAGE: 19,
  REUSEPORT_SOCKARRAY: 20, PERCPU_CGROUP_STORAGE: 21, QUEUE: 22, STACK: 23, SK_STORAGE: 24,
  DEVMAP_HASH: 25, STRUCT_OPS: 26, RINGBUF: 27, INODE_STORAGE: 28, TASK_STORAGE: 29, BLOOM_FILTER: 30,
  USER_RINGBUF: 31, CGRP_STORAGE: 32, ARENA: 33,
} as const;

export interface MapDef {
  /** Index in `LoadedObject.maps`; LD_IMM64 map references carry this index in `imm`. */
  readonly index: number;
  readonly name: string;
  /** Kernel map type number (MapType). */
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  /** LIBBPF_PIN_NONE = 0, LIBBPF_PIN_BY_NAME = 1. */
  readonly pinning: number;
  /** BTF type ids of key and value, when the map was declared with BTF. */
  readonly keyTypeId?: number;
  readonly valueTypeId?: number;
  /** Template for map-in-map types. */
  readonly inner?: MapDef;
  /** Where it came from: BTF `.maps`, the legacy `maps` section, or a global-data section. */
  readonly origin: 'btf' | 'legacy' | 'data' | 'rodata' | 'bss' | 'kconfig';
  /** Initial contents for global-data maps (value of key 0). */
  readonly initial?: Uint8Array;
  /** Read-only (`.rodata`: the kernel freezes it, BPF_F_RDONLY_PROG). */
  readonly readonly?: boolean;
  /** The `.kconfig` map: where each extern sits in its value and how libbpf fills it. */
  readonly kconfigVars?: readonly KconfigVar[];
}

/**
 * A `__kconfig` extern as libbpf lays it out and types it (tools/lib/bpf/libbpf.c @6.12:
 * find_kcfg_type): `_Bool` is bool, `enum libbpf_tristate` tristate, a one-byte char `char`, other
 * integers `int`, a char array `chars`; anything else libbpf refuses.
 */
export interface KconfigVar {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly kind: 'bool' | 'tristate' | 'char' | 'int' | 'chars' | 'unsupported';
  readonly signed: boolean;
  /** Declared __weak: a missing value is 0 rather than a load failure. */
  readonly weak: boolean;
}

/** Program types we recognise from section names (libbpf's section_defs); kernel enum bpf_prog_type values. */
export const ProgType = {
  SOCKET_FILTER: 1, KPROBE: 2, SCHED_CLS: 3, SCHED_ACT: 4, TRACEPOINT: 5, XDP: 6,
} as const;

export type XdpAttach = 'none' | 'devmap' | 'cpumap';

/**
 * A global function's argument as the kernel derives it from the BTF prototype
 * (kernel/bpf/btf.c btf_prepare_func_args @6.12): an int/enum is a scalar; a pointer to the
 * program's context type (`struct xdp_md *` for XDP) or one tagged `arg:ctx` is ctx; any other
 * pointer to a sized type is memory of that size, maybe NULL unless tagged `arg:nonnull`.
 */
export type FuncParam =
  | { readonly kind: 'scalar' }
  | { readonly kind: 'ctx' }
  | { readonly kind: 'mem'; readonly size: number; readonly nullable: boolean };

export interface FuncInfo {
  /** First slot of the function inside `Program.insns`. */
  readonly start: number;
  readonly name: string;
  readonly btfTypeId?: number;
  /**
   * Global (non-static) linkage: BTF FUNC linkage BTF_FUNC_GLOBAL when the object has BTF, else the
   * ELF symbol binding (not STB_LOCAL). The kernel verifies global functions once, on their own,
   * from their BTF prototype (kernel/bpf/verifier.c do_check_subprogs @6.12). Added field.
   */
  readonly global?: boolean;
  /** Global functions: the arguments derived from BTF (see FuncParam). Added field. */
  readonly params?: readonly FuncParam[];
  /**
   * Global functions whose BTF prototype the kernel refuses or we do not model (arg:trusted,
   * arg:arena, dynptr, a non-scalar return, missing BTF): why. Added field.
   */
  readonly paramError?: string;
}

export interface KfuncRef {
  /** Slot of the CALL instruction (src = BPF_PSEUDO_KFUNC_CALL). */
  readonly slot: number;
  readonly name: string;
}

export interface Program {
  readonly name: string;
  readonly section: string;
  /** Kernel bpf_prog_type number; XDP = 6. */
  readonly progType: number;
  /** `xdp.frags` and friends: BPF_F_XDP_HAS_FRAGS. */
  readonly frags: boolean;
  /** `xdp/devmap`, `xdp/cpumap`: expected attach type BPF_XDP_DEVMAP / BPF_XDP_CPUMAP. */
  readonly attach: XdpAttach;
  /**
   * Slot-indexed instructions with the entry function first and every bpf-to-bpf callee from
   * `.text` appended after it, call offsets fixed up as libbpf does; map references resolved
   * (LD_IMM64 src = MAP_IDX / MAP_IDX_VALUE with imm = index into `LoadedObject.maps`).
   */
  readonly insns: Insn[];
  /** Per-slot source location (undefined where line_info has none; carry forward to display). */
  readonly lines: ReadonlyArray<SourceLoc | undefined>;
  /** Functions inside `insns`, entry first. */
  readonly funcs: readonly FuncInfo[];
  /** kfunc calls by slot. */
  readonly kfuncs: readonly KfuncRef[];
  /** Instruction slot → byte offset in the original section (for objdump-compatible listing). */
  readonly sectionOffset: number;
}

export interface LoadedObject {
  readonly programs: Program[];
  readonly maps: MapDef[];
  /** License string from the `license` section, if any. */
  readonly license?: string;
  /**
   * The object's own .BTF, when it has one: the verifier types BTF pointers (PTR_TO_BTF_ID) with
   * it. Added field.
   */
  readonly btf?: Btf;
  /** Non-fatal problems (e.g. an unknown section kind skipped), each naming stage and offset. */
  readonly warnings: string[];
}
