// struct xdp_md access rules (net/core/filter.c @6.12: xdp_is_valid_access, __is_valid_xdp_access;
// include/uapi/linux/bpf.h @6.12: struct xdp_md).

import type { RegKind } from './result';
import type { Program } from '../program';

/** struct xdp_md field offsets (include/uapi/linux/bpf.h @6.12). */
export const XdpMd = { data: 0, data_end: 4, data_meta: 8, ingress_ifindex: 12, rx_queue_index: 16, egress_ifindex: 20, size: 24 } as const;

const FIELD_NAMES: Record<number, string> = { 0: 'data', 4: 'data_end', 8: 'data_meta', 12: 'ingress_ifindex', 16: 'rx_queue_index', 20: 'egress_ifindex' };

export type CtxVerdict =
  | { readonly ok: true; readonly kind: RegKind | 'u32' }
  | { readonly ok: false; readonly why: string };

/** Whether a load/store of `size` bytes at `off` into struct xdp_md is allowed, and what it yields. */
export function xdpCtxAccess(prog: Program, off: number, size: number, write: boolean, signExt: boolean): CtxVerdict {
  if (off === XdpMd.egress_ifindex && prog.attach !== 'devmap') {
    return { ok: false, why: 'egress_ifindex is only readable by programs attached to a devmap (SEC("xdp/devmap")).' };
  }
  if (write) return { ok: false, why: 'struct xdp_md is read-only for XDP programs.' };
  if (signExt && (off === XdpMd.data || off === XdpMd.data_end || off === XdpMd.data_meta)) {
    return { ok: false, why: `${FIELD_NAMES[off]} holds a pointer and cannot be loaded with sign extension.` };
  }
  if (off < 0 || off >= XdpMd.size) return { ok: false, why: `offset ${off} is outside struct xdp_md (24 bytes).` };
  if (size !== 4 || off % size !== 0) return { ok: false, why: `struct xdp_md fields must be read with aligned 4-byte loads (no narrow loads for XDP); this is a ${size}-byte load at offset ${off}.` };
  if (off === XdpMd.data) return { ok: true, kind: 'pkt' };
  if (off === XdpMd.data_end) return { ok: true, kind: 'pkt_end' };
  if (off === XdpMd.data_meta) return { ok: true, kind: 'pkt_meta' };
  return { ok: true, kind: 'u32' };
}

export function ctxFieldName(off: number): string | undefined {
  return FIELD_NAMES[off];
}
