// Packet resizing: bpf_xdp_adjust_head (delta < 0 pushes into the headroom), bpf_xdp_adjust_meta
// (delta < 0 grows the metadata, which shares that headroom) and bpf_xdp_adjust_tail (delta > 0
// grows into the tailroom). The kernel refuses a move that leaves data_meta/data below
// data_hard_start + sizeof(struct xdp_frame) (40 bytes on 64-bit) or data above data_end - 14
// (net/core/filter.c bpf_xdp_adjust_head 4024-4042 @6.12), so the room a program may push into is
// the driver's headroom - 40, shared by all pushes and the metadata along one path.

import { helperId } from '../isa/helpers';
import type { Program } from '../program';
import type { HelperCallSite, VerifyResult } from '../verifier/result';
import { heaviestPath, type PathSum } from './cfg';

export const XDP_FRAME_SIZE = 40;
export const ETH_HLEN = 14;

export const ADJUST_HEAD = helperId('bpf_xdp_adjust_head')!;
export const ADJUST_META = helperId('bpf_xdp_adjust_meta')!;
export const ADJUST_TAIL = helperId('bpf_xdp_adjust_tail')!;

export interface ResizeCall {
  readonly slot: number;
  readonly helper: 'bpf_xdp_adjust_head' | 'bpf_xdp_adjust_meta' | 'bpf_xdp_adjust_tail';
  /** The delta argument's signed 32-bit range (the helpers take `int`). */
  readonly delta: { readonly min: number; readonly max: number };
  /** Bytes this call can push (head/meta: -delta) or grow (tail: +delta); null when unbounded. */
  readonly grow: number | null;
  /** adjust_head only: bytes this call can pull (+delta); null when unbounded. */
  readonly shrink: number | null;
  /** The delta's low two bits are known to be zero (metadata must stay 4-byte aligned). */
  readonly aligned4: boolean;
}

const INT_MIN = -0x80000000;
const INT_MAX = 0x7fffffff;

function callOf(c: HelperCallSite): ResizeCall | undefined {
  const helper = c.helperId === ADJUST_HEAD ? 'bpf_xdp_adjust_head' : c.helperId === ADJUST_META ? 'bpf_xdp_adjust_meta' : c.helperId === ADJUST_TAIL ? 'bpf_xdp_adjust_tail' : undefined;
  if (!helper) return undefined;
  const d = c.args[1]?.value;
  const min = d ? d.s32min : INT_MIN;
  const max = d ? d.s32max : INT_MAX;
  // An `int` argument the verifier cannot bound from below (or above, for tail growth) is unbounded:
  // the helper then fails with -EINVAL for large values, which the program may not expect.
  let grow: number | null;
  if (helper === 'bpf_xdp_adjust_tail') grow = max >= INT_MAX ? null : Math.max(0, max);
  else grow = min <= INT_MIN ? null : Math.max(0, -min);
  // The shrink side: a pull may not move data past data_end - ETH_HLEN.
  const shrink = helper !== 'bpf_xdp_adjust_head' ? 0 : max >= INT_MAX ? null : Math.max(0, max);
  const aligned4 = !!d && (d.tnum.mask & 3n) === 0n && (d.tnum.value & 3n) === 0n;
  return { slot: c.slot, helper, delta: { min, max }, grow, shrink, aligned4 };
}

export function resizeCalls(vr: VerifyResult): ResizeCall[] {
  return vr.calls.map(callOf).filter((c): c is ResizeCall => c !== undefined).sort((a, b) => a.slot - b.slot);
}

export interface ResizeSums {
  /** adjust_head pushes + metadata growth along the heaviest path (the headroom the program uses). */
  readonly push: PathSum;
  /** Metadata growth alone. */
  readonly meta: PathSum;
  /** adjust_tail growth. */
  readonly tail: PathSum;
  /** adjust_head pulls along the heaviest path (the packet must be this + 14 bytes long). */
  readonly pull: PathSum;
}

export function resizeSums(program: Program, vr: VerifyResult, calls: readonly ResizeCall[]): ResizeSums {
  const reachable = (s: number) => vr.states[s] !== undefined;
  // With no call weighing anything every sum is the empty one: the graph walk is skipped (it
  // was ~4% of a large program's analysis, and most programs never resize the packet).
  const sum = (pred: (c: ResizeCall) => boolean, amount: (c: ResizeCall) => number | null): PathSum => {
    const m = new Map<number, number | null>();
    for (const c of calls) if (pred(c)) m.set(c.slot, amount(c));
    return m.size === 0 ? NOTHING : heaviestPath(program, (s) => (m.has(s) ? m.get(s)! : 0), reachable);
  };
  return {
    push: sum((c) => c.helper !== 'bpf_xdp_adjust_tail', (c) => c.grow),
    meta: sum((c) => c.helper === 'bpf_xdp_adjust_meta', (c) => c.grow),
    tail: sum((c) => c.helper === 'bpf_xdp_adjust_tail', (c) => c.grow),
    // adjust_head pulls, per call
    pull: sum((c) => c.helper === 'bpf_xdp_adjust_head', (c) => c.shrink),
  };
}

/** The path sum of a program in which no slot weighs anything. */
const NOTHING: PathSum = { total: 0, before: new Map(), inLoop: new Set() };

/** Usable push room on a driver: headroom - sizeof(struct xdp_frame). */
export function usableRoom(headroom: number): number {
  return Math.max(0, headroom - XDP_FRAME_SIZE);
}
