// The XDP environment of one run, laid out as BPF_PROG_TEST_RUN does (net/bpf/test_run.c,
// bpf_prog_test_run_xdp, Linux 6.12): a 4 KiB frame, `headroom` bytes (XDP_PACKET_HEADROOM = 256 by
// default) before the packet, data_meta = data, data_end = data + len, and the last
// SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) = 320 bytes (x86-64) reserved as tailroom.
// The packet region's live window is [data_meta, data_end): reading headroom or tailroom faults.

import type { LoadedObject, Program } from '../program';
import type { Machine } from './machine';
import type { MapState } from './maps';
import { EmuFault, RegionFlag, ptrHi, ptrLo } from './memory';

export const FRAME_SIZE = 4096;
export const XDP_PACKET_HEADROOM = 256;
/** SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64 (include/linux/skbuff.h, 6.12). */
export const TAILROOM = 320;
/** sizeof(struct xdp_frame) on 64-bit (include/net/xdp.h, 6.12). */
export const XDP_FRAME_SIZE = 40;
export const ETH_HLEN = 14;

export interface XdpCtxInput {
  ingressIfindex?: number;
  rxQueueIndex?: number;
  egressIfindex?: number;
}

export interface Route {
  /** CIDR, IPv4 ("10.0.0.0/8") or IPv6 ("2001:db8::/32"). */
  readonly prefix: string;
  readonly ifindex: number;
  /** Next-hop gateway address (same family); absent = directly connected. */
  readonly gateway?: string;
  /** Source and destination MACs ("aa:bb:cc:dd:ee:ff"); no dmac = no neighbour entry. */
  readonly smac?: string;
  readonly dmac?: string;
  readonly mtu?: number;
  /** Route kind: a blackhole/unreachable/prohibit route answers with that code. */
  readonly kind?: 'unicast' | 'blackhole' | 'unreachable' | 'prohibit';
}

export interface Metadata {
  readonly timestamp?: bigint;
  readonly hash?: { readonly hash: number; readonly type: number };
  readonly vlan?: { readonly proto: number; readonly tci: number };
}

export interface Redirect {
  readonly kind: 'ifindex' | 'devmap' | 'devmap_hash' | 'cpumap' | 'xskmap';
  readonly ifindex?: number;
  readonly map?: string;
  readonly key?: number;
  readonly flags: number;
}

export interface PerfRecord {
  readonly map: string;
  readonly cpu: number;
  readonly data: Uint8Array;
  /** Packet bytes appended (the upper 32 bits of flags). */
  readonly packet: Uint8Array;
}

export interface Output {
  readonly printk: string[];
  readonly ringbuf: { map: string; data: Uint8Array }[];
  readonly perf: PerfRecord[];
}

export class XdpEnv {
  readonly frame = new Uint8Array(FRAME_SIZE);
  pktRegion = 0;
  ctxRegion = 0;
  hardStart = 0;
  data = 0;
  dataEnd = 0;
  dataMeta = 0;
  redirect: Redirect | undefined;
  readonly output: Output = { printk: [], ringbuf: [], perf: [] };
  clock: bigint;
  rng: number;
  helperCalls = 0;
  /** Ringbuf reservations: region id → map name and whether still open. */
  readonly reservations = new Map<number, { map: string; buf: Uint8Array; open: boolean }>();

  constructor(
    readonly m: Machine,
    readonly obj: LoadedObject,
    readonly program: Program,
    readonly maps: MapState,
    readonly opts: {
      ctx: XdpCtxInput; cpu: number; routes: readonly Route[]; metadata?: Metadata; mtu: number;
      ifindexes: ReadonlyMap<number, number>; seed: number; clockStartNs: bigint;
      /** False for drivers that prepare buffers with meta_valid=false (no data_meta support). */
      metaValid: boolean;
    },
  ) {
    this.clock = opts.clockStartNs;
    this.rng = opts.seed >>> 0 || 0x9e3779b9;
  }

  /** Places the packet as the kernel's test run does; returns an error text for sizes it refuses. */
  load(packet: Uint8Array, headroom: number): string | undefined {
    const max = FRAME_SIZE - headroom - TAILROOM;
    if (packet.length < ETH_HLEN) return `packet of ${packet.length} bytes is shorter than ETH_HLEN (14): BPF_PROG_TEST_RUN refuses it with EINVAL`;
    if (packet.length > max) return `packet of ${packet.length} bytes exceeds ${max} (4096 - headroom ${headroom} - tailroom ${TAILROOM}): BPF_PROG_TEST_RUN refuses it with EINVAL`;
    this.frame.fill(0);
    this.frame.set(packet, headroom);
    this.data = headroom;
    this.dataMeta = headroom;
    this.dataEnd = headroom + packet.length;
    this.pktRegion = this.m.mem.add('packet', this.frame, RegionFlag.WRITABLE, this.dataMeta, this.dataEnd);
    this.sync();
    this.ctxRegion = this.m.mem.add('ctx', new Uint8Array(24), RegionFlag.CTX);
    this.m.mem.ctxLoad = (off, size, slot, out) => this.ctxLoad(off, size, slot, out);
    return undefined;
  }

  /** Called after data/data_meta/data_end move: the packet region follows. */
  sync(): void {
    const mem = this.m.mem;
    mem.start[this.pktRegion] = this.opts.metaValid ? this.dataMeta : this.data;
    mem.end[this.pktRegion] = this.dataEnd;
    // The pointer fields of xdp_md as ctxLoad computes them, for Memory.ld4's fast path.
    const f = mem.ctxFields;
    const hi = ptrHi(this.pktRegion);
    f[0] = ptrLo(this.data); f[1] = hi;
    f[2] = ptrLo(this.dataEnd); f[3] = hi;
    f[4] = ptrLo(this.opts.metaValid ? this.dataMeta : this.data + 1); f[5] = hi;
    mem.ctxFieldsValid = true;
  }

  /** The bytes BPF_PROG_TEST_RUN copies to data_out: data_meta .. data_end. */
  dataOut(): Uint8Array {
    return this.frame.slice(this.opts.metaValid ? this.dataMeta : this.data, this.dataEnd);
  }

  ctxPointer(): [number, number] {
    return [ptrLo(0), ptrHi(this.ctxRegion)];
  }

  private ctxLoad(off: number, size: number, slot: number, out: Int32Array): void {
    // struct xdp_md (include/uapi/linux/bpf.h): data 0, data_end 4, data_meta 8 are rewritten by the
    // verifier into loads of the 64-bit pointers; only full 4-byte loads of them are allowed.
    if (off === 0 || off === 4 || off === 8) {
      if (size !== 4) throw new EmuFault('ctx', slot, `${size}-byte load of xdp_md+${off}: pointer fields need a 4-byte load`, 'ctx', off, size);
      // Without meta support, drivers set data_meta = data + 1 (xdp_set_data_meta_invalid), so every
      // `meta + n > data` check fails.
      const pos = off === 0 ? this.data : off === 4 ? this.dataEnd : this.opts.metaValid ? this.dataMeta : this.data + 1;
      out[0] = ptrLo(pos);
      out[1] = ptrHi(this.pktRegion);
      return;
    }
    const field = off < 16 ? 12 : off < 20 ? 16 : 20;
    if (off + size > field + 4 || size === 8) throw new EmuFault('ctx', slot, `${size}-byte load at xdp_md+${off} crosses a field`, 'ctx', off, size);
    let v: number;
    if (field === 12) v = this.opts.ctx.ingressIfindex ?? 1;
    else if (field === 16) v = this.opts.ctx.rxQueueIndex ?? 0;
    else {
      if (this.program.attach !== 'devmap') {
        throw new EmuFault('ctx', slot, 'xdp_md->egress_ifindex is readable only by devmap programs (the verifier rejects this load)', 'ctx', off, size);
      }
      v = this.opts.ctx.egressIfindex ?? 0;
    }
    const shift = (off - field) * 8;
    const mask = size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
    out[0] = ((v >>> shift) & mask) | 0;
    out[1] = 0;
  }

  /** Deterministic monotonic clock: advances 1 µs per reading. */
  now(): bigint {
    this.clock += 1000n;
    return this.clock;
  }

  /** xorshift32, seeded. */
  random(): number {
    let x = this.rng;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.rng = x;
    return x;
  }
}
