// Which helpers accept which map types (kernel/bpf/verifier.c @6.12: check_map_func_compatibility),
// reduced to the helpers XDP programs can call. Both directions are checked as the kernel does:
// a map type may restrict the helpers, and a helper may restrict the map types.

import { MapType } from '../program';
import { helperId } from '../isa/helpers';

const h = (n: string): number => helperId(n)!;

/** Map type -> the only helpers that may take it (types not listed accept any helper). */
const MAP_ONLY: ReadonlyMap<number, readonly number[]> = new Map([
  [MapType.PROG_ARRAY, [h('tail_call')]],
  [MapType.PERF_EVENT_ARRAY, [h('perf_event_read'), h('perf_event_output'), h('skb_output'), h('perf_event_read_value'), h('xdp_output')]],
  [MapType.RINGBUF, [h('ringbuf_output'), h('ringbuf_reserve'), h('ringbuf_query'), h('ringbuf_reserve_dynptr'), h('ringbuf_submit_dynptr'), h('ringbuf_discard_dynptr')]],
  [MapType.USER_RINGBUF, [h('user_ringbuf_drain')]],
  [MapType.STACK_TRACE, [h('get_stackid')]],
  [MapType.CGROUP_ARRAY, [h('skb_under_cgroup'), h('current_task_under_cgroup')]],
  [MapType.CGROUP_STORAGE, [h('get_local_storage')]],
  [MapType.PERCPU_CGROUP_STORAGE, [h('get_local_storage')]],
  [MapType.DEVMAP, [h('redirect_map'), h('map_lookup_elem')]],
  [MapType.DEVMAP_HASH, [h('redirect_map'), h('map_lookup_elem')]],
  [MapType.CPUMAP, [h('redirect_map')]],
  [MapType.XSKMAP, [h('redirect_map'), h('map_lookup_elem')]],
  [MapType.ARRAY_OF_MAPS, [h('map_lookup_elem')]],
  [MapType.HASH_OF_MAPS, [h('map_lookup_elem')]],
  // may_update_sockmap: XDP programs may update and delete sockmap entries.
  [MapType.SOCKMAP, [h('sk_redirect_map'), h('sock_map_update'), h('msg_redirect_map'), h('sk_select_reuseport'), h('map_lookup_elem'), h('map_update_elem'), h('map_delete_elem')]],
  [MapType.SOCKHASH, [h('sk_redirect_hash'), h('sock_hash_update'), h('msg_redirect_hash'), h('sk_select_reuseport'), h('map_lookup_elem'), h('map_update_elem'), h('map_delete_elem')]],
  [MapType.REUSEPORT_SOCKARRAY, [h('sk_select_reuseport')]],
  [MapType.QUEUE, [h('map_peek_elem'), h('map_pop_elem'), h('map_push_elem')]],
  [MapType.STACK, [h('map_peek_elem'), h('map_pop_elem'), h('map_push_elem')]],
  [MapType.SK_STORAGE, [h('sk_storage_get'), h('sk_storage_delete'), h('kptr_xchg')]],
  [MapType.INODE_STORAGE, [h('inode_storage_get'), h('inode_storage_delete'), h('kptr_xchg')]],
  [MapType.TASK_STORAGE, [h('task_storage_get'), h('task_storage_delete'), h('kptr_xchg')]],
  [MapType.CGRP_STORAGE, [h('cgrp_storage_get'), h('cgrp_storage_delete'), h('kptr_xchg')]],
  [MapType.BLOOM_FILTER, [h('map_peek_elem'), h('map_push_elem')]],
]);

/** Helper -> the only map types it accepts (helpers not listed accept any map). */
const FUNC_ONLY: ReadonlyMap<number, readonly number[]> = new Map([
  [h('tail_call'), [MapType.PROG_ARRAY]],
  [h('perf_event_output'), [MapType.PERF_EVENT_ARRAY]],
  [h('ringbuf_output'), [MapType.RINGBUF]],
  [h('ringbuf_reserve'), [MapType.RINGBUF]],
  [h('ringbuf_query'), [MapType.RINGBUF]],
  [h('ringbuf_reserve_dynptr'), [MapType.RINGBUF]],
  [h('user_ringbuf_drain'), [MapType.USER_RINGBUF]],
  [h('redirect_map'), [MapType.DEVMAP, MapType.DEVMAP_HASH, MapType.CPUMAP, MapType.XSKMAP]],
  [h('map_pop_elem'), [MapType.QUEUE, MapType.STACK]],
  [h('map_peek_elem'), [MapType.QUEUE, MapType.STACK, MapType.BLOOM_FILTER]],
  [h('map_push_elem'), [MapType.QUEUE, MapType.STACK, MapType.BLOOM_FILTER]],
  [h('map_lookup_percpu_elem'), [MapType.PERCPU_ARRAY, MapType.PERCPU_HASH, MapType.LRU_PERCPU_HASH]],
  [h('cgrp_storage_get'), [MapType.CGRP_STORAGE]],
  [h('cgrp_storage_delete'), [MapType.CGRP_STORAGE]],
]);

/** True when helper `id` may take a map of `mapType`. */
export function mapFuncCompatible(mapType: number, id: number): boolean {
  const only = MAP_ONLY.get(mapType);
  if (only && !only.includes(id)) return false;
  const types = FUNC_ONLY.get(id);
  if (types && !types.includes(mapType)) return false;
  return true;
}
