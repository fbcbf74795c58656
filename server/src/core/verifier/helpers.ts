// Helper prototypes for XDP programs: every helper xdp_func_proto (net/core/filter.c @6.12)
// returns, including those it inherits from bpf_sk_base_func_proto (net/core/filter.c @6.12)
// and bpf_base_func_proto (kernel/bpf/helpers.c @6.12) for a privileged (CAP_BPF+CAP_PERFMON)
// loader. One row per helper: argument kinds, return kind, whether it invalidates packet
// pointers (bpf_helper_changes_pkt_data, net/core/filter.c @6.12) and the prototype's source.

import { helperId } from '../isa/helpers';

/** Argument kinds (the kernel's enum bpf_arg_type, reduced to what XDP helpers use). */
export type ArgKind =
  | 'anything' // ARG_ANYTHING: any initialised register
  | 'ctx' // ARG_PTR_TO_CTX
  | 'map' // ARG_CONST_MAP_PTR
  | 'key' // ARG_PTR_TO_MAP_KEY: key_size readable bytes
  | 'value' // ARG_PTR_TO_MAP_VALUE: value_size readable bytes
  | 'value_out' // ARG_PTR_TO_MAP_VALUE | MEM_UNINIT | MEM_WRITE: value_size writable bytes
  | 'mem' // ARG_PTR_TO_MEM (| MEM_RDONLY): readable memory, size in the next argument
  | 'mem_or_null' // ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY
  | 'mem_out' // ARG_PTR_TO_UNINIT_MEM: writable memory, may be uninitialised, size next
  | 'fixed_mem' // ARG_PTR_TO_FIXED_SIZE_MEM: `size` readable bytes
  | 'fixed_out' // ARG_PTR_TO_FIXED_SIZE_MEM | MEM_WRITE (| MEM_UNINIT): `size` writable bytes
  | 'size' // ARG_CONST_SIZE: bounded scalar > 0 sizing the previous pointer
  | 'size_or_zero' // ARG_CONST_SIZE_OR_ZERO
  | 'alloc_size' // ARG_CONST_ALLOC_SIZE_OR_ZERO: known constant
  | 'sock_common' // ARG_PTR_TO_BTF_ID_SOCK_COMMON
  | 'sock_release' // ARG_PTR_TO_BTF_ID_SOCK_COMMON | OBJ_RELEASE
  | 'ringbuf_release' // ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE
  | 'func' // ARG_PTR_TO_FUNC (callback)
  | 'stack_or_null' // ARG_PTR_TO_STACK_OR_NULL (callback context)
  | 'const_str' // ARG_PTR_TO_CONST_STR: pointer into a read-only map value
  | 'unmodelled'; // an argument kind this verifier does not model: calls are refused

/** kfunc argument kinds the verifier checks beyond ArgKind (check_kfunc_args, kernel/bpf/verifier.c @6.12). */
export type KfuncArgKind =
  | ArgKind
  | 'scalar' // a scalar parameter ("R%d is not a scalar")
  | 'dynptr' // KF_ARG_PTR_TO_DYNPTR: an initialised dynptr on the stack
  | 'dynptr_uninit' // KF_ARG_PTR_TO_DYNPTR with the __uninit suffix: 16 stack bytes made a dynptr
  | 'buf_opt_szk' // KF_ARG_PTR_TO_MEM_SIZE: `buffer__opt` (NULL or memory) sized by the next, `__szk` (constant), argument
  | 'struct_mem'; // KF_ARG_PTR_TO_MEM: a pointer to a struct of scalars, readable and writable for sizeof(struct) (`sizes`)

/** Return kinds (enum bpf_return_type). */
export type RetKind = 'integer' | 'void' | 'map_value_or_null' | 'sock_or_null' | 'sock_common_or_null' | 'tcp_sock_or_null' | 'ringbuf_mem_or_null' | 'btf_id_or_null';

export interface HelperProto {
  readonly id: number;
  readonly name: string;
  readonly args: readonly ArgKind[];
  /** Fixed sizes for fixed_mem/fixed_out arguments, by argument index. */
  readonly sizes?: Readonly<Record<number, number>>;
  readonly ret: RetKind;
  /** bpf_helper_changes_pkt_data: packet pointers are invalid after the call. */
  readonly changesPkt?: boolean;
  /** Acquires a reference returned in R0 (sk_lookup, ringbuf_reserve). */
  readonly acquire?: 'sock' | 'ringbuf';
  /** Callback helpers: which argument is the callback and what the callback receives. */
  readonly callback?: 'loop' | 'for_each_map_elem';
  /** RET_PTR_TO_BTF_ID(_OR_NULL): the kernel struct R0 points to (its ret_btf_id). */
  readonly retStruct?: string;
  /**
   * is_ptr_cast_function (kernel/bpf/verifier.c @6.12): R0 carries the argument's reference
   * (ref_obj_id), so releasing the socket also invalidates the cast pointer.
   */
  readonly ptrCast?: boolean;
  /** Index of an ARG_PTR_TO_DYNPTR | MEM_RDONLY argument (listed as 'unmodelled' for hovers): an initialised dynptr. */
  readonly dynptrArg?: number;
  /**
   * Index of an ARG_PTR_TO_SPIN_LOCK argument (listed as 'unmodelled' for hovers, whose table has no
   * lock kind yet): a map value pointer at its struct bpf_spin_lock, checked by spinLock.ts.
   */
  readonly spinLockArg?: number;
  /** For bpf_map_lookup_elem-like helpers the value pointer refers to arg 1's map. */
  readonly source: string;
}

const FILTER = 'net/core/filter.c';
const HELPERS = 'kernel/bpf/helpers.c';

function row(name: string, args: ArgKind[], ret: RetKind, source: string, extra: Partial<HelperProto> = {}): HelperProto {
  const id = helperId(name);
  if (id === undefined) throw new Error(`helper table: unknown helper ${name}`);
  return { id, name, args, ret, source: `${source} @6.12`, ...extra };
}

const ROWS: HelperProto[] = [
  // xdp_func_proto (net/core/filter.c @6.12)
  row('perf_event_output', ['ctx', 'map', 'anything', 'mem', 'size_or_zero'], 'integer', `${FILTER}:bpf_xdp_event_output_proto`),
  row('get_smp_processor_id', [], 'integer', `${FILTER}:xdp_func_proto -> bpf_get_smp_processor_id_proto`),
  row('csum_diff', ['mem_or_null', 'size_or_zero', 'mem_or_null', 'size_or_zero', 'anything'], 'integer', `${FILTER}:bpf_csum_diff_proto`),
  row('xdp_adjust_head', ['ctx', 'anything'], 'integer', `${FILTER}:bpf_xdp_adjust_head_proto`, { changesPkt: true }),
  row('xdp_adjust_meta', ['ctx', 'anything'], 'integer', `${FILTER}:bpf_xdp_adjust_meta_proto`, { changesPkt: true }),
  row('redirect', ['anything', 'anything'], 'integer', `${FILTER}:bpf_xdp_redirect_proto`),
  row('redirect_map', ['map', 'anything', 'anything'], 'integer', `${FILTER}:bpf_xdp_redirect_map_proto`),
  row('xdp_adjust_tail', ['ctx', 'anything'], 'integer', `${FILTER}:bpf_xdp_adjust_tail_proto`, { changesPkt: true }),
  row('xdp_get_buff_len', ['ctx'], 'integer', `${FILTER}:bpf_xdp_get_buff_len_proto`),
  row('xdp_load_bytes', ['ctx', 'anything', 'mem_out', 'size'], 'integer', `${FILTER}:bpf_xdp_load_bytes_proto`),
  row('xdp_store_bytes', ['ctx', 'anything', 'mem', 'size'], 'integer', `${FILTER}:bpf_xdp_store_bytes_proto`),
  row('fib_lookup', ['ctx', 'mem', 'size', 'anything'], 'integer', `${FILTER}:bpf_xdp_fib_lookup_proto`),
  row('check_mtu', ['ctx', 'anything', 'fixed_out', 'anything', 'anything'], 'integer', `${FILTER}:bpf_xdp_check_mtu_proto`, { sizes: { 2: 4 } }),
  row('sk_lookup_udp', ['ctx', 'mem', 'size_or_zero', 'anything', 'anything'], 'sock_or_null', `${FILTER}:bpf_xdp_sk_lookup_udp_proto`, { acquire: 'sock' }),
  row('sk_lookup_tcp', ['ctx', 'mem', 'size_or_zero', 'anything', 'anything'], 'sock_or_null', `${FILTER}:bpf_xdp_sk_lookup_tcp_proto`, { acquire: 'sock' }),
  row('sk_release', ['sock_release'], 'integer', `${FILTER}:bpf_sk_release_proto`),
  row('skc_lookup_tcp', ['ctx', 'mem', 'size_or_zero', 'anything', 'anything'], 'sock_common_or_null', `${FILTER}:bpf_xdp_skc_lookup_tcp_proto`, { acquire: 'sock' }),
  row('tcp_check_syncookie', ['sock_common', 'mem', 'size', 'mem', 'size'], 'integer', `${FILTER}:bpf_tcp_check_syncookie_proto`),
  row('tcp_gen_syncookie', ['sock_common', 'mem', 'size', 'mem', 'size'], 'integer', `${FILTER}:bpf_tcp_gen_syncookie_proto`),
  row('tcp_raw_gen_syncookie_ipv4', ['fixed_mem', 'mem', 'size_or_zero'], 'integer', `${FILTER}:bpf_tcp_raw_gen_syncookie_ipv4_proto`, { sizes: { 0: 20 } }),
  row('tcp_raw_gen_syncookie_ipv6', ['fixed_mem', 'mem', 'size_or_zero'], 'integer', `${FILTER}:bpf_tcp_raw_gen_syncookie_ipv6_proto`, { sizes: { 0: 40 } }),
  row('tcp_raw_check_syncookie_ipv4', ['fixed_mem', 'fixed_mem'], 'integer', `${FILTER}:bpf_tcp_raw_check_syncookie_ipv4_proto`, { sizes: { 0: 20, 1: 20 } }),
  row('tcp_raw_check_syncookie_ipv6', ['fixed_mem', 'fixed_mem'], 'integer', `${FILTER}:bpf_tcp_raw_check_syncookie_ipv6_proto`, { sizes: { 0: 40, 1: 20 } }),
  // bpf_sk_base_func_proto (net/core/filter.c @6.12): BTF-typed socket casts (CAP_PERFMON); R0 is
  // PTR_TO_BTF_ID | PTR_MAYBE_NULL of the struct btf_sock_ids names (include/linux/btf_ids.h @6.12);
  // all but bpf_skc_to_unix_sock are pointer casts (is_ptr_cast_function).
  row('skc_to_tcp6_sock', ['sock_common'], 'btf_id_or_null', `${FILTER}:bpf_skc_to_tcp6_sock_proto`, { retStruct: 'tcp6_sock', ptrCast: true }),
  row('skc_to_tcp_sock', ['sock_common'], 'btf_id_or_null', `${FILTER}:bpf_skc_to_tcp_sock_proto`, { retStruct: 'tcp_sock', ptrCast: true }),
  row('skc_to_tcp_timewait_sock', ['sock_common'], 'btf_id_or_null', `${FILTER}:bpf_skc_to_tcp_timewait_sock_proto`, { retStruct: 'tcp_timewait_sock', ptrCast: true }),
  row('skc_to_tcp_request_sock', ['sock_common'], 'btf_id_or_null', `${FILTER}:bpf_skc_to_tcp_request_sock_proto`, { retStruct: 'tcp_request_sock', ptrCast: true }),
  row('skc_to_udp6_sock', ['sock_common'], 'btf_id_or_null', `${FILTER}:bpf_skc_to_udp6_sock_proto`, { retStruct: 'udp6_sock', ptrCast: true }),
  row('skc_to_unix_sock', ['sock_common'], 'btf_id_or_null', `${FILTER}:bpf_skc_to_unix_sock_proto`, { retStruct: 'unix_sock' }),
  row('skc_to_mptcp_sock', ['sock_common'], 'btf_id_or_null', `${FILTER}:bpf_skc_to_mptcp_sock_proto`, { retStruct: 'mptcp_sock', ptrCast: true }),
  row('ktime_get_coarse_ns', [], 'integer', `${FILTER}:bpf_sk_base_func_proto -> bpf_ktime_get_coarse_ns_proto`),
  // bpf_base_func_proto (kernel/bpf/helpers.c @6.12)
  row('map_lookup_elem', ['map', 'key'], 'map_value_or_null', `${HELPERS}:bpf_map_lookup_elem_proto`),
  row('map_update_elem', ['map', 'key', 'value', 'anything'], 'integer', `${HELPERS}:bpf_map_update_elem_proto`),
  row('map_delete_elem', ['map', 'key'], 'integer', `${HELPERS}:bpf_map_delete_elem_proto`),
  row('map_push_elem', ['map', 'value', 'anything'], 'integer', `${HELPERS}:bpf_map_push_elem_proto`),
  row('map_pop_elem', ['map', 'value_out'], 'integer', `${HELPERS}:bpf_map_pop_elem_proto`),
  row('map_peek_elem', ['map', 'value_out'], 'integer', `${HELPERS}:bpf_map_peek_elem_proto`),
  row('map_lookup_percpu_elem', ['map', 'key', 'anything'], 'map_value_or_null', `${HELPERS}:bpf_map_lookup_percpu_elem_proto`),
  row('get_prandom_u32', [], 'integer', 'kernel/bpf/core.c:bpf_get_prandom_u32_proto'),
  row('get_numa_node_id', [], 'integer', `${HELPERS}:bpf_get_numa_node_id_proto`),
  row('tail_call', ['ctx', 'map', 'anything'], 'void', 'kernel/bpf/core.c:bpf_tail_call_proto'),
  row('ktime_get_ns', [], 'integer', `${HELPERS}:bpf_ktime_get_ns_proto`),
  row('ktime_get_boot_ns', [], 'integer', `${HELPERS}:bpf_ktime_get_boot_ns_proto`),
  row('ktime_get_tai_ns', [], 'integer', `${HELPERS}:bpf_ktime_get_tai_ns_proto`),
  row('ringbuf_output', ['map', 'mem', 'size_or_zero', 'anything'], 'integer', 'kernel/bpf/ringbuf.c:bpf_ringbuf_output_proto'),
  row('ringbuf_reserve', ['map', 'alloc_size', 'anything'], 'ringbuf_mem_or_null', 'kernel/bpf/ringbuf.c:bpf_ringbuf_reserve_proto', { acquire: 'ringbuf' }),
  row('ringbuf_submit', ['ringbuf_release', 'anything'], 'void', 'kernel/bpf/ringbuf.c:bpf_ringbuf_submit_proto'),
  row('ringbuf_discard', ['ringbuf_release', 'anything'], 'void', 'kernel/bpf/ringbuf.c:bpf_ringbuf_discard_proto'),
  row('ringbuf_query', ['map', 'anything'], 'integer', 'kernel/bpf/ringbuf.c:bpf_ringbuf_query_proto'),
  row('strncmp', ['mem', 'size', 'const_str'], 'integer', `${HELPERS}:bpf_strncmp_proto`),
  row('strtol', ['mem', 'size', 'anything', 'fixed_out'], 'integer', `${HELPERS}:bpf_strtol_proto`, { sizes: { 3: 8 } }),
  row('strtoul', ['mem', 'size', 'anything', 'fixed_out'], 'integer', `${HELPERS}:bpf_strtoul_proto`, { sizes: { 3: 8 } }),
  row('get_current_pid_tgid', [], 'integer', `${HELPERS}:bpf_get_current_pid_tgid_proto`),
  row('get_ns_current_pid_tgid', ['anything', 'anything', 'mem_out', 'size'], 'integer', `${HELPERS}:bpf_get_ns_current_pid_tgid_proto`),
  row('jiffies64', [], 'integer', `${HELPERS}:bpf_jiffies64_proto`),
  row('for_each_map_elem', ['map', 'func', 'stack_or_null', 'anything'], 'integer', 'kernel/bpf/bpf_iter.c:bpf_for_each_map_elem_proto', { callback: 'for_each_map_elem' }),
  row('loop', ['anything', 'func', 'stack_or_null', 'anything'], 'integer', 'kernel/bpf/bpf_iter.c:bpf_loop_proto', { callback: 'loop' }),
  row('get_current_cgroup_id', [], 'integer', `${HELPERS}:bpf_get_current_cgroup_id_proto`),
  row('get_current_ancestor_cgroup_id', ['anything'], 'integer', `${HELPERS}:bpf_get_current_ancestor_cgroup_id_proto`),
  row('trace_printk', ['mem', 'size', 'anything', 'anything', 'anything'], 'integer', 'kernel/trace/bpf_trace.c:bpf_trace_printk_proto'),
  row('probe_read_user', ['mem_out', 'size_or_zero', 'anything'], 'integer', 'kernel/trace/bpf_trace.c:bpf_probe_read_user_proto'),
  row('probe_read_kernel', ['mem_out', 'size_or_zero', 'anything'], 'integer', 'kernel/trace/bpf_trace.c:bpf_probe_read_kernel_proto'),
  row('probe_read_user_str', ['mem_out', 'size_or_zero', 'anything'], 'integer', 'kernel/trace/bpf_trace.c:bpf_probe_read_user_str_proto'),
  row('probe_read_kernel_str', ['mem_out', 'size_or_zero', 'anything'], 'integer', 'kernel/trace/bpf_trace.c:bpf_probe_read_kernel_str_proto'),
  row('get_current_task', [], 'integer', 'kernel/trace/bpf_trace.c:bpf_get_current_task_proto'),
  // bpf_base_func_proto gives them to every program type; check_map_prog_compatibility refuses
  // locks to socket filters and tracing programs only (kernel/bpf/verifier.c @6.12).
  row('spin_lock', ['unmodelled'], 'void', `${HELPERS}:bpf_spin_lock_proto`, { spinLockArg: 0 }),
  row('spin_unlock', ['unmodelled'], 'void', `${HELPERS}:bpf_spin_unlock_proto`, { spinLockArg: 0 }),
  // Helpers XDP may call whose argument kinds this verifier does not model (timers, dynptrs,
  // kptrs, per-cpu BTF pointers): calls to them are refused rather than guessed.
  row('timer_init', ['unmodelled', 'map', 'anything'], 'integer', `${HELPERS}:bpf_timer_init_proto`),
  row('timer_set_callback', ['unmodelled', 'func'], 'integer', `${HELPERS}:bpf_timer_set_callback_proto`),
  row('timer_start', ['unmodelled', 'anything', 'anything'], 'integer', `${HELPERS}:bpf_timer_start_proto`),
  row('timer_cancel', ['unmodelled'], 'integer', `${HELPERS}:bpf_timer_cancel_proto`),
  row('kptr_xchg', ['unmodelled', 'unmodelled'], 'btf_id_or_null', `${HELPERS}:bpf_kptr_xchg_proto`),
  row('per_cpu_ptr', ['unmodelled', 'anything'], 'btf_id_or_null', `${HELPERS}:bpf_per_cpu_ptr_proto`),
  row('this_cpu_ptr', ['unmodelled'], 'btf_id_or_null', `${HELPERS}:bpf_this_cpu_ptr_proto`),
  row('user_ringbuf_drain', ['map', 'func', 'stack_or_null', 'anything'], 'integer', 'kernel/bpf/ringbuf.c:bpf_user_ringbuf_drain_proto'),
  row('ringbuf_reserve_dynptr', ['map', 'anything', 'anything', 'unmodelled'], 'integer', 'kernel/bpf/ringbuf.c:bpf_ringbuf_reserve_dynptr_proto'),
  row('ringbuf_submit_dynptr', ['unmodelled', 'anything'], 'void', 'kernel/bpf/ringbuf.c:bpf_ringbuf_submit_dynptr_proto'),
  row('ringbuf_discard_dynptr', ['unmodelled', 'anything'], 'void', 'kernel/bpf/ringbuf.c:bpf_ringbuf_discard_dynptr_proto'),
  row('dynptr_from_mem', ['mem', 'size_or_zero', 'anything', 'unmodelled'], 'integer', `${HELPERS}:bpf_dynptr_from_mem_proto`),
  // bpf_dynptr_read / bpf_dynptr_write take an initialised dynptr (dynptrArg; process_dynptr_func,
  // kernel/bpf/verifier.c @6.12); only the XDP dynptrs of bpf_dynptr_from_xdp exist here, and a write
  // to one does not change packet data for the verifier (check_helper_call: only SKB dynptrs do).
  row('dynptr_read', ['mem_out', 'size_or_zero', 'unmodelled', 'anything', 'anything'], 'integer', `${HELPERS}:bpf_dynptr_read_proto`, { dynptrArg: 2 }),
  row('dynptr_write', ['unmodelled', 'anything', 'mem', 'size_or_zero', 'anything'], 'integer', `${HELPERS}:bpf_dynptr_write_proto`, { dynptrArg: 0 }),
  row('dynptr_data', ['unmodelled', 'anything', 'alloc_size'], 'integer', `${HELPERS}:bpf_dynptr_data_proto`),
  row('cgrp_storage_get', ['map', 'unmodelled', 'anything', 'anything'], 'map_value_or_null', `${HELPERS}:bpf_cgrp_storage_get_proto`),
  row('cgrp_storage_delete', ['map', 'unmodelled'], 'integer', `${HELPERS}:bpf_cgrp_storage_delete_proto`),
  // RET_PTR_TO_BTF_ID_TRUSTED (never NULL): modelled as maybe-NULL, which only asks for a needless check.
  row('get_current_task_btf', [], 'btf_id_or_null', 'kernel/trace/bpf_trace.c:bpf_get_current_task_btf_proto', { retStruct: 'task_struct' }),
  row('snprintf_btf', ['mem_out', 'size', 'unmodelled', 'size', 'anything'], 'integer', 'kernel/trace/bpf_trace.c:bpf_snprintf_btf_proto'),
  row('snprintf', ['mem_or_null', 'size_or_zero', 'const_str', 'mem_or_null', 'size_or_zero'], 'integer', `${HELPERS}:bpf_snprintf_proto`),
];

const BY_ID = new Map<number, HelperProto>(ROWS.map((r) => [r.id, r]));

/** The prototype of helper `id` for an XDP program, or undefined when XDP cannot call it. */
export function xdpHelper(id: number): HelperProto | undefined {
  return BY_ID.get(id);
}

export const XDP_HELPERS: readonly HelperProto[] = ROWS;

/** kfuncs an XDP program may call (kernel BTF id sets registered for BPF_PROG_TYPE_XDP @6.12). */
export interface KfuncProto {
  readonly name: string;
  /** The prototype as hovers show it (ArgKind only). */
  readonly args: readonly ArgKind[];
  /** What the verifier checks, when it differs from `args` (kfunc-only argument kinds). */
  readonly kargs?: readonly KfuncArgKind[];
  readonly sizes?: Readonly<Record<number, number>>;
  readonly ret: RetKind;
  /** KF_TRUSTED_ARGS: pointer arguments must not be NULL, BTF pointers must be trusted (check_kfunc_args @6.12). */
  readonly trustedArgs?: boolean;
  /** btf_id_or_null returns: the kernel struct R0 points to (the kfunc's BTF return type). */
  readonly retStruct?: string;
  /** struct_mem arguments: the kernel struct each points to, by argument index (for BTF pointers passed there). */
  readonly argStructs?: Readonly<Record<number, string>>;
  /** bpf_dynptr_slice(_rdwr): R0 is PTR_TO_MEM (| MEM_RDONLY) | PTR_MAYBE_NULL of the constant size. */
  readonly slice?: 'rdonly' | 'rdwr';
  readonly source: string;
}

/** For hovers: a dynptr pointer shows as '…', scalars as u64, the optional buffer as mem_or_null. */
const SHOWN: Partial<Record<KfuncArgKind, ArgKind>> = { scalar: 'anything', dynptr: 'unmodelled', dynptr_uninit: 'unmodelled', buf_opt_szk: 'mem_or_null', struct_mem: 'fixed_out' };

function kfunc(name: string, kargs: KfuncArgKind[], extra: Partial<KfuncProto> & { source: string }): KfuncProto {
  return { name, args: kargs.map((a) => SHOWN[a] ?? (a as ArgKind)), kargs, ret: 'integer', ...extra };
}

const DYNPTR_KFUNC = (name: string, kargs: KfuncArgKind[], extra: Partial<KfuncProto> = {}): KfuncProto =>
  kfunc(name, kargs, { source: `kernel/bpf/helpers.c:${name} @6.12 (common_btf_ids, all program types)`, ...extra });

export const XDP_KFUNCS: readonly KfuncProto[] = [
  // net/core/xdp.c @6.12: xdp_metadata_kfunc_ids (BTF_KFUNCS_START(xdp_metadata_kfunc_ids)).
  { name: 'bpf_xdp_metadata_rx_timestamp', args: ['ctx', 'fixed_out'], sizes: { 1: 8 }, ret: 'integer', source: 'net/core/xdp.c:bpf_xdp_metadata_rx_timestamp @6.12' },
  { name: 'bpf_xdp_metadata_rx_hash', args: ['ctx', 'fixed_out', 'fixed_out'], sizes: { 1: 4, 2: 4 }, ret: 'integer', source: 'net/core/xdp.c:bpf_xdp_metadata_rx_hash @6.12' },
  { name: 'bpf_xdp_metadata_rx_vlan_tag', args: ['ctx', 'fixed_out', 'fixed_out'], sizes: { 1: 2, 2: 2 }, ret: 'integer', source: 'net/core/xdp.c:bpf_xdp_metadata_rx_vlan_tag @6.12' },
  // net/core/filter.c @6.12: bpf_dynptr_from_xdp (xdp_kfunc_set); flags are checked at run time
  // (non-zero: -EINVAL and a NULL dynptr), not by the verifier.
  kfunc('bpf_dynptr_from_xdp', ['ctx', 'scalar', 'dynptr_uninit'], { source: 'net/core/filter.c:bpf_dynptr_from_xdp @6.12' }),
  // The generic dynptr kfuncs (kernel/bpf/helpers.c @6.12: common_btf_ids, registered for
  // BPF_PROG_TYPE_UNSPEC, so XDP may call them).
  DYNPTR_KFUNC('bpf_dynptr_slice', ['dynptr', 'scalar', 'buf_opt_szk', 'size'], { slice: 'rdonly' }),
  DYNPTR_KFUNC('bpf_dynptr_slice_rdwr', ['dynptr', 'scalar', 'buf_opt_szk', 'size'], { slice: 'rdwr' }),
  DYNPTR_KFUNC('bpf_dynptr_adjust', ['dynptr', 'scalar', 'scalar']),
  DYNPTR_KFUNC('bpf_dynptr_is_null', ['dynptr']),
  DYNPTR_KFUNC('bpf_dynptr_is_rdonly', ['dynptr']),
  DYNPTR_KFUNC('bpf_dynptr_size', ['dynptr']),
  DYNPTR_KFUNC('bpf_dynptr_clone', ['dynptr', 'dynptr_uninit']),
  // net/netfilter/nf_flow_table_bpf.c @6.12: bpf_xdp_flow_lookup(struct xdp_md *ctx, struct
  // bpf_fib_lookup *fib_tuple, struct bpf_flowtable_opts *opts, u32 opts_len), registered for XDP
  // with KF_TRUSTED_ARGS | KF_RET_NULL (nf_ft_kfunc_set). Both structs hold only scalars, so
  // get_kfunc_ptr_arg_type makes them KF_ARG_PTR_TO_MEM: check_mem_reg reads and writes
  // sizeof(struct) bytes (struct bpf_fib_lookup: 64, include/uapi/linux/bpf.h @6.12; struct
  // bpf_flowtable_opts: 4, one s32). opts_len is a plain u32 (no __sz suffix): the kfunc checks it
  // at run time (!= NF_BPF_FLOWTABLE_OPTS_SZ: opts->error = -EINVAL, returns NULL), the verifier
  // does not. R0: check_kfunc_call gives a struct pointer return plain PTR_TO_BTF_ID (not
  // PTR_TRUSTED: only iterator next kfuncs get that), | PTR_MAYBE_NULL for KF_RET_NULL, no reference.
  kfunc('bpf_xdp_flow_lookup', ['ctx', 'struct_mem', 'struct_mem', 'scalar'], {
    sizes: { 1: 64, 2: 4 }, argStructs: { 1: 'bpf_fib_lookup', 2: 'bpf_flowtable_opts' }, trustedArgs: true,
    ret: 'btf_id_or_null', retStruct: 'flow_offload_tuple_rhash', source: 'net/netfilter/nf_flow_table_bpf.c:bpf_xdp_flow_lookup @6.12',
  }),
];

export function xdpKfunc(name: string): KfuncProto | undefined {
  return XDP_KFUNCS.find((k) => k.name === name);
}
