import { describe, expect, it } from 'vitest';
import { PROG_TYPE, sectionKind } from '../../../server/src/core/loader';

describe('sectionKind follows libbpf section_defs matching', () => {
  it.each([
    ['xdp', PROG_TYPE.XDP, false, 'none'],
    ['?xdp', PROG_TYPE.XDP, false, 'none'],
    ['xdp.frags', PROG_TYPE.XDP, true, 'none'],
    ['xdp/devmap', PROG_TYPE.XDP, false, 'devmap'],
    ['xdp.frags/cpumap', PROG_TYPE.XDP, true, 'cpumap'],
    ['kprobe', PROG_TYPE.KPROBE, false, 'none'], // "kprobe+" matches exactly ...
    ['kprobe/tcp_v4_connect', PROG_TYPE.KPROBE, false, 'none'], // ... or with a '/' suffix
    ['tp/syscalls/sys_enter_openat', PROG_TYPE.TRACEPOINT, false, 'none'],
    ['tc', PROG_TYPE.SCHED_CLS, false, 'none'],
    ['tcx/egress', PROG_TYPE.SCHED_CLS, false, 'none'],
    ['classifier', PROG_TYPE.SCHED_CLS, false, 'none'],
    ['action', PROG_TYPE.SCHED_ACT, false, 'none'],
    ['socket', PROG_TYPE.SOCKET_FILTER, false, 'none'],
    ['sk_skb/stream_parser', PROG_TYPE.SK_SKB, false, 'none'],
    ['cgroup_skb/ingress', PROG_TYPE.CGROUP_SKB, false, 'none'],
    ['fentry/bpf_prog_run', PROG_TYPE.TRACING, false, 'none'],
  ] as const)('%s', (name, progType, frags, attach) => {
    expect(sectionKind(name)).toEqual({ progType, frags, attach });
  });

  it.each(['xdp_prog', 'prog', 'xdp/foo', 'kprobex', 'tc/other', 'xdp.frags/foo', 'socket1', ''])('does not recognise %j', (name) => {
    expect(sectionKind(name)).toBeUndefined();
  });
});
