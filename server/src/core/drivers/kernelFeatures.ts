// First kernel release of each helper, kfunc and XDP feature an XDP program can depend on, keyed
// by name (the verifier's helper table, core/verifier/helpers.ts, owns the prototypes and ids).
// Sources: iovisor/bcc docs/kernel-versions.md (helper table read at 0272a3d5f3bc; rows for
// helpers newer than that table come from the current bcc table and are marked uncertain), the
// shared reference's section 4 (../shared/reference/xdp-drivers.md, with its own sources), and
// linux-source-6.12 where noted. `xdp` is the first release where XDP programs may call it when
// that differs from the helper's own introduction.

export interface VersionFact {
  readonly since: string;
  /** First release where an XDP program may use it, when later than `since`. */
  readonly xdp?: string;
  readonly source: string;
  readonly uncertain?: string;
}

const BCC = 'iovisor/bcc docs/kernel-versions.md';
const BCC_NEW = 'iovisor/bcc docs/kernel-versions.md (current table; not re-read here)';
const REF = 'shared reference xdp-drivers.md section 4';
const BASE_XDP = 'kernel/bpf/helpers.c bpf_base_func_proto @6.12 (XDP inherits it; release of the move not pinned)';

function h(since: string, source: string, extra: Partial<VersionFact> = {}): VersionFact {
  return { since, source, ...extra };
}
const newer = (since: string, extra: Partial<VersionFact> = {}): VersionFact =>
  h(since, BCC_NEW, { uncertain: 'version from the current bcc table, not re-read', ...extra });

/** Helper name (with `bpf_`) -> first kernel version. */
export const HELPER_VERSIONS: Readonly<Record<string, VersionFact>> = {
  bpf_map_lookup_elem: h('3.19', BCC),
  bpf_map_update_elem: h('3.19', BCC),
  bpf_map_delete_elem: h('3.19', BCC),
  bpf_map_push_elem: h('4.20', BCC),
  bpf_map_pop_elem: h('4.20', BCC),
  bpf_map_peek_elem: h('4.20', BCC),
  bpf_map_lookup_percpu_elem: newer('5.19'),
  bpf_get_prandom_u32: h('4.1', BCC),
  bpf_get_smp_processor_id: h('4.1', BCC),
  bpf_get_numa_node_id: h('4.10', BCC),
  bpf_tail_call: h('4.2', BCC),
  bpf_ktime_get_ns: h('4.1', BCC),
  bpf_ktime_get_boot_ns: newer('5.8'),
  bpf_ktime_get_coarse_ns: newer('5.11'),
  bpf_ktime_get_tai_ns: newer('6.1'),
  bpf_trace_printk: h('4.1', BCC),
  bpf_perf_event_output: h('4.4', BCC, { xdp: '4.9', uncertain: 'XDP variant (bpf_xdp_event_output) release from memory' }),
  bpf_csum_diff: h('4.6', BCC, { xdp: '4.9', uncertain: 'XDP availability release from memory' }),
  bpf_xdp_adjust_head: h('4.10', BCC),
  bpf_xdp_adjust_meta: h('4.15', BCC),
  bpf_redirect: h('4.4', BCC, { xdp: '4.14', source: `${BCC}; ${REF} (XDP_REDIRECT + bpf_redirect from XDP, 6453073987ba)` }),
  bpf_redirect_map: h('4.14', BCC),
  bpf_xdp_adjust_tail: h('4.18', BCC),
  bpf_fib_lookup: h('4.18', BCC),
  bpf_xdp_get_buff_len: h('5.18', REF),
  bpf_xdp_load_bytes: h('5.18', REF),
  bpf_xdp_store_bytes: h('5.18', REF),
  bpf_check_mtu: h('5.12', REF),
  bpf_sk_lookup_tcp: h('4.20', BCC, { xdp: '4.20', uncertain: 'XDP hook for sk_lookup (c8123ead13a5, Oct 2018) release from memory' }),
  bpf_sk_lookup_udp: h('4.20', BCC, { xdp: '4.20', uncertain: 'XDP hook for sk_lookup (c8123ead13a5, Oct 2018) release from memory' }),
  bpf_sk_release: h('4.20', BCC, { xdp: '4.20', uncertain: 'XDP hook for sk_lookup release from memory' }),
  bpf_skc_lookup_tcp: h('5.2', BCC),
  bpf_tcp_check_syncookie: h('5.2', BCC),
  bpf_tcp_gen_syncookie: h('5.3', BCC),
  bpf_tcp_raw_gen_syncookie_ipv4: h('6.0', REF),
  bpf_tcp_raw_gen_syncookie_ipv6: h('6.0', REF),
  bpf_tcp_raw_check_syncookie_ipv4: h('6.0', REF),
  bpf_tcp_raw_check_syncookie_ipv6: h('6.0', REF),
  bpf_skc_to_tcp6_sock: newer('5.9'),
  bpf_skc_to_tcp_sock: newer('5.9'),
  bpf_skc_to_tcp_timewait_sock: newer('5.9'),
  bpf_skc_to_tcp_request_sock: newer('5.9'),
  bpf_skc_to_udp6_sock: newer('5.9'),
  bpf_skc_to_unix_sock: newer('5.16'),
  bpf_skc_to_mptcp_sock: newer('5.19'),
  bpf_ringbuf_output: newer('5.8'),
  bpf_ringbuf_reserve: newer('5.8'),
  bpf_ringbuf_submit: newer('5.8'),
  bpf_ringbuf_discard: newer('5.8'),
  bpf_ringbuf_query: newer('5.8'),
  bpf_ringbuf_reserve_dynptr: newer('5.19'),
  bpf_ringbuf_submit_dynptr: newer('5.19'),
  bpf_ringbuf_discard_dynptr: newer('5.19'),
  bpf_user_ringbuf_drain: newer('6.1'),
  bpf_strncmp: newer('5.17'),
  bpf_strtol: h('5.2', BCC, { xdp: '6.2', source: `${BCC}; ${BASE_XDP}`, uncertain: 'XDP availability (move to bpf_base_func_proto) release not pinned' }),
  bpf_strtoul: h('5.2', BCC, { xdp: '6.2', source: `${BCC}; ${BASE_XDP}`, uncertain: 'XDP availability (move to bpf_base_func_proto) release not pinned' }),
  bpf_get_current_pid_tgid: h('4.2', BCC, { xdp: '6.10', source: `${BCC}; ${BASE_XDP}`, uncertain: 'XDP availability release not pinned' }),
  bpf_get_ns_current_pid_tgid: newer('5.7', { xdp: '6.10', uncertain: 'XDP availability release not pinned' }),
  bpf_jiffies64: newer('5.5'),
  bpf_for_each_map_elem: newer('5.13'),
  bpf_loop: h('5.17', REF),
  bpf_get_current_cgroup_id: h('4.18', BCC, { xdp: '6.2', uncertain: 'XDP availability release not pinned' }),
  bpf_get_current_ancestor_cgroup_id: newer('5.6', { xdp: '6.2', uncertain: 'XDP availability release not pinned' }),
  bpf_probe_read_user: h('5.5', BCC, { xdp: '5.10', uncertain: 'XDP availability (CAP_PERFMON base set) release from memory' }),
  bpf_probe_read_kernel: h('5.5', BCC, { xdp: '5.10', uncertain: 'XDP availability release from memory' }),
  bpf_probe_read_user_str: h('5.5', BCC, { xdp: '5.10', uncertain: 'XDP availability release from memory' }),
  bpf_probe_read_kernel_str: h('5.5', BCC, { xdp: '5.10', uncertain: 'XDP availability release from memory' }),
  bpf_get_current_task: h('4.8', BCC, { xdp: '5.10', uncertain: 'XDP availability release from memory' }),
  bpf_get_current_task_btf: newer('5.11'),
  bpf_spin_lock: h('5.1', BCC),
  bpf_spin_unlock: h('5.1', BCC),
  bpf_timer_init: newer('5.15'),
  bpf_timer_set_callback: newer('5.15'),
  bpf_timer_start: newer('5.15'),
  bpf_timer_cancel: newer('5.15'),
  bpf_kptr_xchg: newer('5.19'),
  bpf_per_cpu_ptr: newer('5.10'),
  bpf_this_cpu_ptr: newer('5.10'),
  bpf_dynptr_from_mem: newer('5.19'),
  bpf_dynptr_read: newer('5.19'),
  bpf_dynptr_write: newer('5.19'),
  bpf_dynptr_data: newer('5.19'),
  bpf_cgrp_storage_get: newer('6.2'),
  bpf_cgrp_storage_delete: newer('6.2'),
  bpf_snprintf_btf: newer('5.10'),
  bpf_snprintf: newer('5.13'),
};

/**
 * kfunc name -> first kernel version for XDP programs. The verifier refuses a kfunc for a target
 * kernel older than this (libbpf finds no BTF for it there), so a wrong version here is a wrong
 * verdict there.
 */
export const KFUNC_VERSIONS: Readonly<Record<string, VersionFact>> = {
  bpf_xdp_metadata_rx_timestamp: h('6.3', `${REF} (3d76a4d3d4e5); net/core/xdp.c xdp_metadata_kfunc_ids @6.12`),
  bpf_xdp_metadata_rx_hash: h('6.3', `${REF} (3d76a4d3d4e5); net/core/xdp.c xdp_metadata_kfunc_ids @6.12`),
  bpf_xdp_metadata_rx_vlan_tag: h('6.8', `${REF} (e6795330f88b); net/core/xdp.c xdp_metadata_kfunc_ids @6.12`),
  bpf_dynptr_from_xdp: h('6.4', `${REF} (05421aecd4ed)`),
  // The slices came in the same series as bpf_dynptr_from_xdp ("bpf: Add bpf_dynptr_slice and
  // bpf_dynptr_slice_rdwr", lore 20230301154953.641654-10-joannelkoong@gmail.com).
  bpf_dynptr_slice: h('6.4', 'kernel commit "bpf: Add bpf_dynptr_slice and bpf_dynptr_slice_rdwr" (series of 05421aecd4ed)'),
  bpf_dynptr_slice_rdwr: h('6.4', 'kernel commit "bpf: Add bpf_dynptr_slice and bpf_dynptr_slice_rdwr" (series of 05421aecd4ed)'),
  // The convenience kfuncs: present in v6.7's tools/testing/selftests/bpf/bpf_kfuncs.h; the release
  // they were merged in is from memory.
  ...Object.fromEntries(['bpf_dynptr_adjust', 'bpf_dynptr_is_null', 'bpf_dynptr_is_rdonly', 'bpf_dynptr_size', 'bpf_dynptr_clone'].map((n) => [
    n,
    h('6.5', `kernel/bpf/helpers.c:${n} (common_btf_ids) @6.12; tools/testing/selftests/bpf/bpf_kfuncs.h @6.7`, {
      uncertain: 'merge release from memory (the dynptr convenience kfuncs series, April 2023); certainly present by 6.7',
    }),
  ])),
  bpf_xdp_ct_lookup: h('5.18', `${REF} (b4c2b9593a1c)`),
  bpf_xdp_ct_alloc: h('6.0', `${REF}`, { uncertain: 'the reference lists ct_lookup/ct_alloc together at 5.18; ct_alloc arrived later (from memory)' }),
  bpf_xdp_get_xfrm_state: h('6.8', `${REF} (8f0ec8c68175)`),
  bpf_xdp_xfrm_state_release: h('6.8', `${REF} (8f0ec8c68175)`),
  bpf_xdp_flow_lookup: h('6.11', `${REF} (391bb6594fd3)`),
  bpf_xdp_pull_data: h('6.18', `${REF} (4dce1a0d7cf3)`),
};

/** Features that are not a single helper. */
export const FEATURE_VERSIONS: Readonly<Record<string, VersionFact>> = {
  xdp: h('4.8', `${REF} (6a773a15a1e8)`),
  'action:tx': h('4.8', `${REF} (6ce96ca348a9)`),
  'action:redirect': h('4.14', `${REF} (6453073987ba)`),
  'map:devmap': h('4.14', `${REF} (546ac1ffb70d)`),
  'map:cpumap': h('4.15', `${REF} (6710e1126934)`),
  'map:xskmap': h('4.18', `${REF} (fbfc504a24f5)`),
  'map:devmap_hash': h('5.4', `${REF} (6f9d451ab1a3)`),
  'map:ringbuf': newer('5.8'),
  meta: h('4.15', `${REF} (de8f3a83b0a0)`),
  'ctx:ingress_ifindex': h('4.16', `${REF} (02dd3291b2f0)`),
  'ctx:rx_queue_index': h('4.16', `${REF} (02dd3291b2f0)`),
  'ctx:egress_ifindex': h('5.8', `${REF} (64b59025c15b)`),
  'attach:devmap': h('5.8', `${REF} (fbee97feed9b)`),
  'attach:cpumap': h('5.9', `${REF} (9216477449f3)`),
  'tail-grow': h('5.8', `${REF} (c8741e2bfe87)`),
  'bounded-loops': h('5.3', `${REF} (2589726d12a1)`),
  'redirect-map-fallback': h('5.3', REF, { uncertain: 'release inferred (lookup moved into the helper, June 2019)' }),
  frags: h('5.18', `${REF} (c2f2cdbeffda)`),
  'metadata-kfuncs': h('6.3', `${REF} (3d76a4d3d4e5)`),
  /** Metadata longer than 32 bytes (up to 252). */
  'meta-252': h('6.8', `${REF} (2ebe81c81435); include/net/xdp.h xdp_metalen_invalid @6.12 (u8 meta_len)`, { uncertain: 'release inferred; 6.1 refuses metalen > 32, 6.12 allows 252' }),
};

/** Largest data_meta the kernel accepts (bytes, 4-byte aligned) for a target kernel (undefined: latest). */
export function metaLimit(kernel?: { major: number; minor: number }): number {
  if (kernel && (kernel.major < 6 || (kernel.major === 6 && kernel.minor < 8))) return 32;
  return 252;
}
