// Public API of the emulator: run an XDP program of a loaded object on a packet, as
// BPF_PROG_TEST_RUN would, with every memory access checked. Pure: no IO, no timers besides
// performance.now() for nsPerRun.

import { findDriver, unknownDriverMessage } from '../drivers/index';
import type { LoadedObject, Program } from '../program';
import { XdpEnv, XDP_PACKET_HEADROOM, type Metadata, type Output, type Redirect, type Route, type XdpCtxInput } from './env';
import { imageOf } from './image';
import { interpret, interpretTraced } from './interp';
import { jitExec } from './jit';
import { Machine, type Tier } from './machine';
import { createMaps, diffSnapshots, Errno, snapshot, type MapChange, type MapState } from './maps';
import { EmuFault, RegionFlag, ptrHi, ptrLo, type Fault } from './memory';
import { DYNPTR_MAGIC, dynptrOf, xdpHelper } from './helpers';
import { faultRecord } from './faults';

export { createMaps, MapState, type MapChange } from './maps';
export { kconfigImage, linuxKernelVersion, parseKconfig, type KconfigImage } from './kconfig';
export type { Fault } from './memory';
export type { Route, Metadata, Redirect, Output, XdpCtxInput } from './env';
export type { Tier } from './machine';
export { runBare, bareProgram } from './bare';

export const XDP_ACTIONS = ['XDP_ABORTED', 'XDP_DROP', 'XDP_PASS', 'XDP_TX', 'XDP_REDIRECT'] as const;
export type XdpAction = (typeof XDP_ACTIONS)[number] | `unknown(${string})`;

export interface RunOptions {
  readonly packet: Uint8Array;
  readonly ctx?: XdpCtxInput;
  /** Map contents (from createMaps(obj)); mutated by the run. Fresh maps when omitted. */
  readonly maps?: MapState;
  /** Headroom before the packet (the selected driver's); BPF_PROG_TEST_RUN uses 256. */
  readonly headroom?: number;
  /**
   * A driver profile id or alias (core/drivers): supplies `headroom` and `dataMeta` unless those are
   * given. A firmware-defined headroom (null) keeps 256. Unknown names give `error`.
   */
  readonly driver?: string;
  /** Runs the program this many times on the same buffer, as the kernel's test run does. */
  readonly repeat?: number;
  readonly trace?: boolean;
  readonly tier?: Tier;
  readonly stepLimit?: number;
  readonly cancel?: Int32Array;
  readonly seed?: number;
  readonly cpu?: number;
  readonly routes?: readonly Route[];
  readonly metadata?: Metadata;
  /** MTU of the receiving device (check_mtu, fib_lookup), and of other devices by ifindex. */
  readonly mtu?: number;
  readonly ifindexMtus?: ReadonlyMap<number, number>;
  /** False to emulate a driver without data_meta support (bpf_xdp_adjust_meta → -ENOTSUPP). Default true. */
  readonly dataMeta?: boolean;
}

export interface TraceStep {
  readonly slot: number;
  /** Registers the instruction changed: [reg, new value as 16 hex digits]. */
  readonly regs: Array<readonly [number, string]>;
  /** Memory it wrote: region name, offset in the region, bytes as hex. */
  readonly mem: Array<{ readonly region: string; readonly offset: number; readonly hex: string }>;
}

/** Traces at most this many instructions (the run itself continues to its end). */
export const TRACE_LIMIT = 100_000;

function attachTrace(m: Machine, out: TraceStep[]): void {
  const prev = new Int32Array(22);
  let cur: TraceStep | undefined;
  const flush = () => {
    if (!cur) return;
    for (let r = 0; r < 11; r++) {
      if (m.regs[2 * r] !== prev[2 * r] || m.regs[2 * r + 1] !== prev[2 * r + 1]) {
        cur.regs.push([r, (m.regs[2 * r + 1] >>> 0).toString(16).padStart(8, '0') + (m.regs[2 * r] >>> 0).toString(16).padStart(8, '0')]);
      }
    }
    cur = undefined;
  };
  m.onStep = (slot) => {
    flush();
    prev.set(m.regs);
    if (out.length < TRACE_LIMIT) {
      cur = { slot, regs: [], mem: [] };
      out.push(cur);
    }
  };
  m.onExit = flush;
  m.mem.onStore = (region, offset, size, lo, hi) => {
    if (!cur) return;
    const b = new Uint8Array(8);
    const dv = new DataView(b.buffer);
    dv.setInt32(0, lo, true);
    dv.setInt32(4, hi, true);
    cur.mem.push({ region, offset, hex: [...b.subarray(0, size)].map((x) => x.toString(16).padStart(2, '0')).join('') });
  };
}

export interface RunResult {
  /** r0 (the kernel's retval is its low 32 bits). */
  readonly retval: number;
  readonly action: XdpAction;
  /** data_out: the bytes from data_meta to data_end. */
  readonly packet: Uint8Array;
  /** Length of the metadata at the front of `packet`. */
  readonly metaLen: number;
  readonly redirect?: Redirect;
  readonly mapChanges: MapChange[];
  readonly output: Output;
  readonly faults: Fault[];
  /** Instructions executed by the first run (a fault's run: up to and including the faulting one). */
  readonly steps: number;
  /** Instructions executed over all `repeat` runs. */
  readonly totalSteps: number;
  readonly nsPerRun: number;
  /** Set when the test run itself refuses the input (packet size), as the kernel's EINVAL. */
  readonly error?: string;
  readonly trace?: TraceStep[];
}


function refusedResult(env: XdpEnv, error: string): RunResult {
  return { retval: 0, action: 'XDP_ABORTED', packet: new Uint8Array(0), metaLen: 0, mapChanges: [], output: env.output, faults: [], steps: 0, totalSteps: 0, nsPerRun: 0, error };
}

export function actionName(retval: number): XdpAction {
  return retval >= 0 && retval < XDP_ACTIONS.length ? XDP_ACTIONS[retval] : `unknown(${retval >>> 0})`;
}

export function run(program: Program, obj: LoadedObject, opts: RunOptions): RunResult {
  const maps = opts.maps ?? createMaps(obj);
  const before = snapshot(maps);
  const repeat = Math.max(1, opts.repeat ?? 1);
  const tracing: TraceStep[] | undefined = opts.trace ? [] : undefined;
  const tiers = tracing ? { interp: interpretTraced, jit: interpretTraced } : { interp: interpret, jit: jitExec };
  const m = new Machine(tiers, opts.tier ?? 'interp', opts.stepLimit ?? 50_000_000, opts.cancel);
  if (tracing) attachTrace(m, tracing);
  const env = new XdpEnv(m, obj, program, maps, {
    ctx: opts.ctx ?? {}, cpu: opts.cpu ?? 0, routes: opts.routes ?? [], metadata: opts.metadata,
    mtu: opts.mtu ?? 1500, ifindexes: opts.ifindexMtus ?? new Map([[opts.ctx?.ingressIfindex ?? 1, opts.mtu ?? 1500]]),
    seed: opts.seed ?? 1, clockStartNs: 1_000_000_000n,
    metaValid: opts.dataMeta ?? (opts.driver !== undefined ? findDriver(opts.driver)?.dataMeta.value ?? true : true),
  });
  let headroom = opts.headroom ?? XDP_PACKET_HEADROOM;
  if (opts.driver !== undefined) {
    const d = findDriver(opts.driver);
    if (!d) return refusedResult(env, unknownDriverMessage(opts.driver));
    if (opts.headroom === undefined && d.headroom.value !== null) headroom = d.headroom.value;
  }
  const refused = env.load(opts.packet, headroom);
  if (refused) return refusedResult(env, refused);
  m.helper = (mm, id, slot) => xdpHelper(env, mm, id, slot);
  m.kfunc = (mm, name, slot) => kfunc(env, mm, name, slot);
  m.mapValueRegion = (index, slot) => {
    const mp = maps.maps[index];
    if (!mp) throw new EmuFault('invalid-insn', slot, `lddw refers to map ${index}, which the object does not define`);
    const e = mp.entries.values().next().value;
    if (!e) throw new EmuFault('invalid-insn', slot, `lddw takes the address of ${mp.def.name}'s value, but it has none`);
    const ro = mp.def.readonly === true || (mp.def.flags & 0x80) !== 0;
    return m.mem.regionOf(e.values[0], `${mp.def.name} value`, ro ? 0 : RegionFlag.WRITABLE);
  };
  const img = imageOf(program);
  const faults: Fault[] = [];
  const t0 = performance.now();
  let runs = 0;
  let firstSteps = -1;
  const [cl, ch] = env.ctxPointer();
  const regs = m.regs;
  for (let i = 0; i < (tracing ? 1 : repeat); i++) {
    // Unrolled: a 22-iteration loop here (bounds and interrupt checks each time) cost as much as a short program.
    regs[0] = regs[1] = regs[2] = regs[3] = regs[4] = regs[5] = regs[6] = regs[7] = regs[8] = regs[9] = regs[10] = 0;
    regs[11] = regs[12] = regs[13] = regs[14] = regs[15] = regs[16] = regs[17] = regs[18] = regs[19] = regs[20] = regs[21] = 0;
    m.regs[2] = cl;
    m.regs[3] = ch;
    m.tailCalls = 0;
    m.depth = 0;
    try {
      m.exec(img, 0);
    } catch (e) {
      if (!(e instanceof EmuFault)) throw e;
      m.depth = 0;
      faults.push(faultRecord(e, program));
      if (firstSteps < 0) firstSteps = m.steps;
      break;
    }
    if (firstSteps < 0) firstSteps = m.steps;
    runs++;
  }
  const nsPerRun = runs ? ((performance.now() - t0) * 1e6) / runs : 0;
  // A fault is what the kernel can never do for a verified program; we report it and, like a
  // program that trapped, give XDP_ABORTED.
  const retval = faults.length ? 0 : m.regs[0] >>> 0;
  return {
    retval,
    action: faults.length ? 'XDP_ABORTED' : actionName(retval),
    packet: env.dataOut(),
    metaLen: env.opts.metaValid ? env.data - env.dataMeta : 0,
    ...(env.redirect && retval === 4 ? { redirect: env.redirect } : {}),
    mapChanges: diffSnapshots(maps, before, snapshot(maps)),
    output: env.output,
    faults,
    steps: firstSteps,
    totalSteps: m.steps,
    nsPerRun,
    ...(tracing ? { trace: tracing } : {}),
  };
}

/**
 * Metadata kfuncs (net/core/xdp.c, 6.12): bpf_xdp_metadata_rx_timestamp(ctx, u64 *),
 * bpf_xdp_metadata_rx_hash(ctx, u32 *hash, enum xdp_rss_hash_type *), bpf_xdp_metadata_rx_vlan_tag(ctx,
 * __be16 *proto, u16 *tci). Without a value from the caller they answer -EOPNOTSUPP, as for a program
 * that is not device-bound or a driver without the callback.
 */
function kfunc(env: XdpEnv, m: Machine, name: string | undefined, slot: number): void {
  const md = env.opts.metadata;
  const put = (r: number, len: number, write: (dv: DataView) => void) => {
    const s = m.mem.span(m.regs[2 * r + 1], m.regs[2 * r], len, slot, true, name ?? 'kfunc');
    write(new DataView(s.buf.buffer, s.buf.byteOffset + s.off, len));
  };
  let r0 = -Errno.EOPNOTSUPP;
  switch (name) {
    case 'bpf_xdp_metadata_rx_timestamp':
      if (md?.timestamp !== undefined) { put(2, 8, (dv) => dv.setBigUint64(0, md.timestamp!, true)); r0 = 0; }
      break;
    case 'bpf_xdp_metadata_rx_hash':
      if (md?.hash) { put(2, 4, (dv) => dv.setUint32(0, md.hash!.hash, true)); put(3, 4, (dv) => dv.setUint32(0, md.hash!.type, true)); r0 = 0; }
      break;
    case 'bpf_xdp_metadata_rx_vlan_tag':
      if (md?.vlan) { put(2, 2, (dv) => dv.setUint16(0, md.vlan!.proto, false)); put(3, 2, (dv) => dv.setUint16(0, md.vlan!.tci, true)); r0 = 0; }
      break;
    case 'bpf_dynptr_from_xdp': {
      // kernel/bpf/helpers.c / net/core/filter.c bpf_dynptr_from_xdp: flags must be 0 (-EINVAL).
      const flags = (BigInt(m.regs[5] >>> 0) << 32n) | BigInt(m.regs[4] >>> 0);
      put(3, 16, (dv) => {
        if (flags !== 0n) { for (let i = 0; i < 16; i++) dv.setUint8(i, 0); return; }
        dv.setUint32(0, DYNPTR_MAGIC, true);
        dv.setUint32(4, 0, true);
        dv.setUint32(8, env.dataEnd - env.data, true);
        dv.setUint32(12, 0, true);
      });
      r0 = flags !== 0n ? -Errno.EINVAL : 0;
      break;
    }
    case 'bpf_dynptr_slice': case 'bpf_dynptr_slice_rdwr': {
      // bpf_dynptr_slice(p, offset, buffer, buffer__szk): a pointer into the (linear) packet, or NULL
      // when [offset, offset+size) is outside the dynptr.
      const d = dynptrOf(m, 1, slot, name);
      const off = m.regs[4] >>> 0, size = m.regs[8] >>> 0;
      const at = env.data + d.off + off;
      if (off + size > d.size || at + size > env.dataEnd) { m.regs[0] = 0; m.regs[1] = 0; return; }
      m.regs[0] = ptrLo(at);
      m.regs[1] = ptrHi(env.pktRegion);
      return;
    }
    case 'bpf_dynptr_is_null': case 'bpf_dynptr_is_rdonly': case 'bpf_dynptr_size': case 'bpf_dynptr_adjust': case 'bpf_dynptr_clone': {
      // kernel/bpf/helpers.c (6.12). A null dynptr (bpf_dynptr_from_xdp with bad flags zeroes it) has
      // magic 0: is_null → true, is_rdonly → false, size → -EINVAL (as u32), adjust → -EINVAL,
      // clone → -EINVAL with the clone set null. adjust: start or end past the size → -ERANGE,
      // start > end → -EINVAL, else offset += start, size = end - start.
      const s = m.mem.span(m.regs[3], m.regs[2], 16, slot, name === 'bpf_dynptr_adjust', name);
      const dv = new DataView(s.buf.buffer, s.buf.byteOffset + s.off, 16);
      const magic = dv.getUint32(0, true);
      if (magic !== 0 && magic !== DYNPTR_MAGIC) throw new EmuFault('kfunc', slot, `${name}: r1 does not point at an initialised dynptr`);
      const isNull = magic === 0;
      const size = dv.getUint32(8, true);
      if (name === 'bpf_dynptr_is_null') { r0 = isNull ? 1 : 0; break; }
      if (name === 'bpf_dynptr_is_rdonly') { r0 = !isNull && dv.getUint32(12, true) !== 0 ? 1 : 0; break; }
      if (name === 'bpf_dynptr_size') { m.regs[0] = isNull ? -Errno.EINVAL : size | 0; m.regs[1] = 0; return; }
      if (name === 'bpf_dynptr_adjust') {
        const start = m.regs[4] >>> 0, end = m.regs[6] >>> 0;
        if (isNull) r0 = -Errno.EINVAL;
        else if (start > size || end > size) r0 = -Errno.ERANGE;
        else if (start > end) r0 = -Errno.EINVAL;
        else { dv.setUint32(4, dv.getUint32(4, true) + start, true); dv.setUint32(8, end - start, true); r0 = 0; }
        break;
      }
      // bpf_dynptr_clone(p, clone): r2 is the clone's 16 bytes.
      const c = m.mem.span(m.regs[5], m.regs[4], 16, slot, true, name);
      const cv = new DataView(c.buf.buffer, c.buf.byteOffset + c.off, 16);
      for (let i = 0; i < 16; i++) cv.setUint8(i, isNull ? 0 : dv.getUint8(i));
      r0 = isNull ? -Errno.EINVAL : 0;
      break;
    }
    default:
      throw new EmuFault('kfunc', slot, `kfunc ${name ?? '(unnamed: no kfunc record for this call)'} is not emulated`);
  }
  m.regs[0] = r0;
  m.regs[1] = r0 < 0 ? -1 : 0;
}

