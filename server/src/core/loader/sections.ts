// Program section names -> program type, the way libbpf's section_defs table reads them
// (tools/lib/bpf/libbpf.c, Linux 6.12). Matching rules, as in libbpf's sec_def_matches:
//   "type/"  -> the name must start with "type/";
//   "type+"  -> the name is exactly "type" or starts with "type/";
//   "type"   -> exact match.
// The first matching row wins, so longer names come before their prefixes. A leading '?'
// (libbpf: "do not auto-load") is stripped before matching.
//
// Program type numbers: enum bpf_prog_type, include/uapi/linux/bpf.h (Linux 6.12).

import type { XdpAttach } from '../program';

export const PROG_TYPE = {
  UNSPEC: 0, SOCKET_FILTER: 1, KPROBE: 2, SCHED_CLS: 3, SCHED_ACT: 4, TRACEPOINT: 5, XDP: 6, PERF_EVENT: 7,
  CGROUP_SKB: 8, CGROUP_SOCK: 9, LWT_IN: 10, LWT_OUT: 11, LWT_XMIT: 12, SOCK_OPS: 13, SK_SKB: 14,
  CGROUP_DEVICE: 15, SK_MSG: 16, RAW_TRACEPOINT: 17, CGROUP_SOCK_ADDR: 18, LWT_SEG6LOCAL: 19, LIRC_MODE2: 20,
  SK_REUSEPORT: 21, FLOW_DISSECTOR: 22, CGROUP_SYSCTL: 23, RAW_TRACEPOINT_WRITABLE: 24, CGROUP_SOCKOPT: 25,
  TRACING: 26, STRUCT_OPS: 27, EXT: 28, LSM: 29, SK_LOOKUP: 30, SYSCALL: 31, NETFILTER: 32,
} as const;

export interface SectionKind {
  readonly progType: number;
  readonly frags: boolean;
  readonly attach: XdpAttach;
}

type Row = readonly [pattern: string, progType: number, frags?: boolean, attach?: XdpAttach];

const T = PROG_TYPE;
const ROWS: readonly Row[] = [
  ['socket', T.SOCKET_FILTER],
  ['sk_reuseport/migrate', T.SK_REUSEPORT],
  ['sk_reuseport', T.SK_REUSEPORT],
  ['kprobe+', T.KPROBE], ['uprobe+', T.KPROBE], ['uprobe.s+', T.KPROBE], ['kretprobe+', T.KPROBE],
  ['uretprobe+', T.KPROBE], ['uretprobe.s+', T.KPROBE], ['kprobe.multi+', T.KPROBE], ['kretprobe.multi+', T.KPROBE],
  ['kprobe.session+', T.KPROBE], ['uprobe.multi+', T.KPROBE], ['uretprobe.multi+', T.KPROBE],
  ['uprobe.multi.s+', T.KPROBE], ['uretprobe.multi.s+', T.KPROBE], ['ksyscall+', T.KPROBE],
  ['kretsyscall+', T.KPROBE], ['usdt+', T.KPROBE], ['usdt.s+', T.KPROBE],
  ['tc/ingress', T.SCHED_CLS], ['tc/egress', T.SCHED_CLS], ['tcx/ingress', T.SCHED_CLS], ['tcx/egress', T.SCHED_CLS],
  ['tc', T.SCHED_CLS], ['classifier', T.SCHED_CLS], ['action', T.SCHED_ACT],
  ['netkit/primary', T.SCHED_CLS], ['netkit/peer', T.SCHED_CLS],
  ['tracepoint+', T.TRACEPOINT], ['tp+', T.TRACEPOINT],
  ['raw_tracepoint+', T.RAW_TRACEPOINT], ['raw_tp+', T.RAW_TRACEPOINT],
  ['raw_tracepoint.w+', T.RAW_TRACEPOINT_WRITABLE], ['raw_tp.w+', T.RAW_TRACEPOINT_WRITABLE],
  ['tp_btf+', T.TRACING], ['fentry+', T.TRACING], ['fmod_ret+', T.TRACING], ['fexit+', T.TRACING],
  ['fentry.s+', T.TRACING], ['fmod_ret.s+', T.TRACING], ['fexit.s+', T.TRACING], ['freplace+', T.EXT],
  ['lsm+', T.LSM], ['lsm.s+', T.LSM], ['lsm_cgroup+', T.LSM], ['iter+', T.TRACING], ['iter.s+', T.TRACING],
  ['syscall', T.SYSCALL],
  ['xdp.frags/devmap', T.XDP, true, 'devmap'],
  ['xdp/devmap', T.XDP, false, 'devmap'],
  ['xdp.frags/cpumap', T.XDP, true, 'cpumap'],
  ['xdp/cpumap', T.XDP, false, 'cpumap'],
  ['xdp.frags', T.XDP, true],
  ['xdp', T.XDP],
  ['perf_event', T.PERF_EVENT],
  ['lwt_in', T.LWT_IN], ['lwt_out', T.LWT_OUT], ['lwt_xmit', T.LWT_XMIT], ['lwt_seg6local', T.LWT_SEG6LOCAL],
  ['sockops', T.SOCK_OPS],
  ['sk_skb/stream_parser', T.SK_SKB], ['sk_skb/stream_verdict', T.SK_SKB], ['sk_skb/verdict', T.SK_SKB], ['sk_skb', T.SK_SKB],
  ['sk_msg', T.SK_MSG], ['lirc_mode2', T.LIRC_MODE2], ['flow_dissector', T.FLOW_DISSECTOR],
  ['cgroup_skb/ingress', T.CGROUP_SKB], ['cgroup_skb/egress', T.CGROUP_SKB], ['cgroup/skb', T.CGROUP_SKB],
  ['cgroup/sock_create', T.CGROUP_SOCK], ['cgroup/sock_release', T.CGROUP_SOCK], ['cgroup/sock', T.CGROUP_SOCK],
  ['cgroup/post_bind4', T.CGROUP_SOCK], ['cgroup/post_bind6', T.CGROUP_SOCK],
  ['cgroup/bind4', T.CGROUP_SOCK_ADDR], ['cgroup/bind6', T.CGROUP_SOCK_ADDR], ['cgroup/connect4', T.CGROUP_SOCK_ADDR],
  ['cgroup/connect6', T.CGROUP_SOCK_ADDR], ['cgroup/connect_unix', T.CGROUP_SOCK_ADDR],
  ['cgroup/sendmsg4', T.CGROUP_SOCK_ADDR], ['cgroup/sendmsg6', T.CGROUP_SOCK_ADDR], ['cgroup/sendmsg_unix', T.CGROUP_SOCK_ADDR],
  ['cgroup/recvmsg4', T.CGROUP_SOCK_ADDR], ['cgroup/recvmsg6', T.CGROUP_SOCK_ADDR], ['cgroup/recvmsg_unix', T.CGROUP_SOCK_ADDR],
  ['cgroup/getpeername4', T.CGROUP_SOCK_ADDR], ['cgroup/getpeername6', T.CGROUP_SOCK_ADDR],
  ['cgroup/getpeername_unix', T.CGROUP_SOCK_ADDR], ['cgroup/getsockname4', T.CGROUP_SOCK_ADDR],
  ['cgroup/getsockname6', T.CGROUP_SOCK_ADDR], ['cgroup/getsockname_unix', T.CGROUP_SOCK_ADDR],
  ['cgroup/sysctl', T.CGROUP_SYSCTL], ['cgroup/getsockopt', T.CGROUP_SOCKOPT], ['cgroup/setsockopt', T.CGROUP_SOCKOPT],
  ['cgroup/dev', T.CGROUP_DEVICE], ['struct_ops+', T.STRUCT_OPS], ['struct_ops.s+', T.STRUCT_OPS],
  ['sk_lookup', T.SK_LOOKUP], ['netfilter', T.NETFILTER],
];

function matches(pattern: string, name: string): boolean {
  const last = pattern[pattern.length - 1];
  if (last === '/') return name.startsWith(pattern);
  if (last === '+') {
    const p = pattern.slice(0, -1);
    return name.startsWith(p) && (name.length === p.length || name[p.length] === '/');
  }
  return name === pattern;
}

/** The program kind libbpf would give a section, or undefined when libbpf does not recognise it. */
export function sectionKind(sectionName: string): SectionKind | undefined {
  const name = sectionName.startsWith('?') ? sectionName.slice(1) : sectionName;
  for (const [pattern, progType, frags, attach] of ROWS) {
    if (matches(pattern, name)) return { progType, frags: frags ?? false, attach: attach ?? 'none' };
  }
  return undefined;
}
