// What an XDP program offloaded to a Netronome NIC (nfp, XDP_FLAGS_HW_MODE) may use: the nfp
// BPF JIT's own checks, on top of the kernel verifier's.

import { MapType } from '../program';

/** Helpers nfp_bpf_check_helper_call accepts: drivers/net/ethernet/netronome/nfp/bpf/verifier.c:181-233 @6.12.117. */
export const OFFLOAD_HELPERS: readonly string[] = [
  'bpf_xdp_adjust_head',
  'bpf_xdp_adjust_tail',
  'bpf_map_lookup_elem',
  'bpf_map_update_elem',
  'bpf_map_delete_elem',
  'bpf_get_prandom_u32',
  'bpf_perf_event_output',
];
export const OFFLOAD_HELPERS_SOURCE = 'drivers/net/ethernet/netronome/nfp/bpf/verifier.c:181-233 @6.12.117';

/**
 * Map types the offload can hold: the firmware advertises a bitmask (bpf->maps.types,
 * drivers/net/ethernet/netronome/nfp/bpf/offload.c:347 @6.12.117); shipped firmware offers hash and
 * array maps; perf event arrays stay on the host for bpf_perf_event_output.
 */
export const OFFLOAD_MAP_TYPES: readonly number[] = [MapType.HASH, MapType.ARRAY, MapType.PERF_EVENT_ARRAY];
export const OFFLOAD_MAP_TYPES_SOURCE = 'drivers/net/ethernet/netronome/nfp/bpf/offload.c:319,347 @6.12.117';
export const OFFLOAD_MAP_TYPES_UNCERTAIN = 'the firmware decides (bpf->maps.types); hash+array is what the reference reports for shipped firmware';
