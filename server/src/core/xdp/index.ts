// XDP analyses on top of the verifier's result: the verdicts a program can return, the headroom
// and tailroom it uses, what it requires from driver and kernel, and the findings when the
// selected driver or kernel lacks something. Pure functions over plain data.
//
// Without a selected driver only driver-independent checks run (invalid return values,
// unbounded pushes, misaligned metadata, kernel version when one is given) and one info finding,
// xdp/portability-unchecked, says that portability was not checked.

import { DRIVER_PROFILES, factAt, findDriver, KernelVersion, type DriverProfile, type MetadataKfunc } from '../drivers/index';
import { FEATURE_VERSIONS, HELPER_VERSIONS, KFUNC_VERSIONS, metaLimit, type VersionFact } from '../drivers/kernelFeatures';
import { OFFLOAD_HELPERS, OFFLOAD_HELPERS_SOURCE, OFFLOAD_MAP_TYPES, OFFLOAD_MAP_TYPES_SOURCE } from '../drivers/offload';
import type { Finding, Range, Severity } from '../diagnostics/finding';
import type { LoadedObject, Program } from '../program';
import type { ReturnValues } from '../report';
import type { VerifyResult } from '../verifier/result';
import { callArgument, locAt, returnSite, statementRange } from './location';
import { inferNeeds, type Need } from './needs';
import { ETH_HLEN, resizeCalls, resizeSums, usableRoom, XDP_FRAME_SIZE, type ResizeCall } from './resize';
import { ACTION_NAMES, returnSources, returnValueSet, type ReturnSource } from './returnValues';
import { showSet, showValue, ValueSet } from './valueSet';

export interface XdpTarget {
  readonly driver?: DriverProfile;
  readonly kernel?: KernelVersion;
  /** The driver of the device the program redirects to, when known (devmap / bpf_redirect targets). */
  readonly redirectTo?: DriverProfile;
}

export interface XdpAnalysis {
  /** Undefined when the verifier did not accept the program. */
  readonly returnValues?: ReturnValues;
  readonly headroom?: { readonly push: number | null; readonly pull: number | null };
  readonly requires: string[];
  readonly findings: Finding[];
}

const METADATA_KFUNC: Readonly<Record<string, MetadataKfunc>> = {
  bpf_xdp_metadata_rx_timestamp: 'rx_timestamp',
  bpf_xdp_metadata_rx_hash: 'rx_hash',
  bpf_xdp_metadata_rx_vlan_tag: 'rx_vlan_tag',
};
const KFUNC_WORDS: Readonly<Record<MetadataKfunc, string>> = { rx_timestamp: 'rx timestamps', rx_hash: 'rx hashes', rx_vlan_tag: 'rx VLAN tags' };

export interface XdpOptions {
  /** The C text of a source file named in line_info, to place return findings on `return` statements. */
  readonly sourceText?: (file: string) => string | undefined;
}

interface Ctx {
  readonly options: XdpOptions;
  readonly program: Program;
  readonly obj: LoadedObject;
  readonly vr: VerifyResult;
  readonly target: XdpTarget;
  readonly findings: Finding[];
}

function add(c: Ctx, code: string, severity: Severity, message: string, slot: number | undefined, data: Record<string, unknown>, range?: Range): void {
  // Program-level findings (no instruction) sit on the entry instruction's line: the function.
  const loc = locAt(c.program, slot ?? c.program.funcs[0]?.start ?? 0);
  c.findings.push({
    code, severity, message,
    ...(loc?.file ? { file: loc.file } : {}),
    range: range ?? statementRange(loc),
    ...(slot === undefined ? {} : { insn: slot }),
    data: { program: c.program.name, ...(c.target.driver ? { driver: c.target.driver.id } : {}), ...data },
  });
}

const fmtVersion = (v: VersionFact) => v.xdp ?? v.since;

/** A profile with every version-dependent fact resolved for the target kernel. */
export function profileAt(p: DriverProfile, kernel?: KernelVersion): DriverProfile {
  if (!kernel) return p;
  return {
    ...p,
    headroom: factAt(p.headroom, kernel),
    dataMeta: factAt(p.dataMeta, kernel),
    xskZeroCopy: factAt(p.xskZeroCopy, kernel),
    kfuncs: { rx_timestamp: factAt(p.kfuncs.rx_timestamp, kernel), rx_hash: factAt(p.kfuncs.rx_hash, kernel), rx_vlan_tag: factAt(p.kfuncs.rx_vlan_tag, kernel) },
  };
}

function versionOf(need: Need): { key: string; fact: VersionFact } | undefined {
  switch (need.kind) {
    case 'helper': return HELPER_VERSIONS[need.name] ? { key: need.name, fact: HELPER_VERSIONS[need.name] } : undefined;
    case 'kfunc': return KFUNC_VERSIONS[need.name] ? { key: need.name, fact: KFUNC_VERSIONS[need.name] } : undefined;
    case 'map': return FEATURE_VERSIONS[`map:${need.typeName}`] ? { key: `map:${need.typeName}`, fact: FEATURE_VERSIONS[`map:${need.typeName}`] } : undefined;
    case 'meta': return { key: 'meta', fact: FEATURE_VERSIONS.meta };
    case 'ctx-read': return FEATURE_VERSIONS[`ctx:${need.field}`] ? { key: `ctx:${need.field}`, fact: FEATURE_VERSIONS[`ctx:${need.field}`] } : undefined;
    case 'loop': return { key: 'bounded-loops', fact: FEATURE_VERSIONS['bounded-loops'] };
    default: return undefined;
  }
}

/** Drivers (resolved for the kernel under analysis) for which `pred` holds, with a note (often the version). */
function driversWith(c: Ctx, pred: (p: DriverProfile) => boolean, note?: (p: DriverProfile) => string | undefined): Array<{ id: string; note: string }> {
  const k = c.target.kernel;
  return DRIVER_PROFILES.filter((p) => !k || !KernelVersion.before(k, p.xdpSince.value)).map((p) => profileAt(p, k)).filter(pred).map((p) => ({ id: p.id, note: note?.(p) ?? `XDP since ${p.xdpSince.value}` }));
}

// ---------------------------------------------------------------- return values

function checkReturns(c: Ctx, sources: readonly ReturnSource[], all: ValueSet): void {
  // xdp/return-invalid: one finding per defining instruction whose values leave 0..4.
  const byDef = new Map<string, { def: number | undefined; exit: number; bad: ValueSet }>();
  for (const s of sources) {
    const bad = ValueSet.above(s.values, 4);
    if (ValueSet.isEmpty(bad)) continue;
    const key = String(s.def ?? `exit${s.exit}`);
    const prev = byDef.get(key);
    byDef.set(key, { def: s.def, exit: s.exit, bad: prev ? ValueSet.union(prev.bad, bad) : bad });
  }
  for (const { def, exit, bad } of byDef.values()) {
    const slot = def ?? exit;
    const site = returnSite(c.program, slot, bad.values ?? [bad.min], c.options.sourceText);
    const code = site.loc?.text?.replace(/\/\/.*$|\/\*.*?\*\//g, '').trim();
    const origin = code ? `\`${code}\` at line ${site.loc!.line}` : `instruction ${slot}`;
    const call = def !== undefined ? c.vr.calls.find((k) => k.slot === def) : undefined;
    const from = call ? `the result of ${call.kfunc ?? (call.helperId !== undefined ? `helper #${call.helperId}` : 'a call')} (${origin})` : origin;
    const octeon = c.target.driver?.id === 'rvu_nicpf' ? ' (rvu_nicpf up to 6.12 passes such packets to the stack instead of dropping them)' : '';
    add(c, 'xdp/return-invalid', 'error',
      `returns ${showSet(bad)}, outside XDP_ABORTED..XDP_REDIRECT (0..4); the value comes from ${from}. ` +
      `The kernel does not check XDP return values at load time; at run time drivers treat the value as XDP_ABORTED: ` +
      `bpf_warn_invalid_xdp_action() warns once ("Illegal XDP return value") and the packet is dropped${octeon}.`,
      slot, { values: bad.values, min: bad.min, max: bad.max, allValues: all.values, definedAt: def }, site.range);
  }
  // xdp/return-unsupported: a reachable action the driver does not handle.
  const d = c.target.driver;
  if (!d) return;
  for (let act = 0; act <= 4; act++) {
    const name = ACTION_NAMES[act].slice(4) as 'ABORTED' | 'DROP' | 'PASS' | 'TX' | 'REDIRECT';
    if (!ValueSet.has(all, act) || d.actions.value.includes(name)) continue;
    const src = sources.find((s) => ValueSet.has(s.values, act));
    const slot = src?.def ?? src?.exit;
    const site = slot !== undefined ? returnSite(c.program, slot, [act], c.options.sourceText) : undefined;
    const how = d.mode === 'offload'
      ? 'the nfp JIT treats any return value above XDP_TX (3) as abort and drops the packet'
      : `its RX path has no case for it: bpf_warn_invalid_xdp_action() warns once ("Driver unsupported XDP return value ${act}") and the packet is dropped as XDP_ABORTED`;
    // The reference's note matters where the driver handles the action in some configurations only.
    const extra = d.actions.note && /AF_XDP/.test(d.actions.note) ? ' (It does handle XDP_REDIRECT on queues bound to an AF_XDP zero-copy socket.)' : '';
    add(c, 'xdp/return-unsupported', 'error',
      `${ACTION_NAMES[act]} (${act}) is reachable but ${d.id} does not handle it: ${how}.${extra}`,
      slot, {
        capability: `action:${name.toLowerCase()}`, value: act,
        driversWith: driversWith(c, (p) => p.actions.value.includes(name)),
        source: d.actions.source, ...(d.actions.uncertain ? { uncertain: d.actions.uncertain } : {}),
      }, site?.range);
  }
}

// ---------------------------------------------------------------- headroom / meta / tail

/** The smallest usable push room over all profiles with a known headroom (safe everywhere). */
function portableRoom(): { room: number; driver: string } {
  let best = { room: Infinity, driver: '' };
  for (const p of DRIVER_PROFILES) if (p.headroom.value !== null && usableRoom(p.headroom.value) < best.room) best = { room: usableRoom(p.headroom.value), driver: p.id };
  return best;
}

function checkResize(c: Ctx, calls: readonly ResizeCall[]): { push: number | null; pull: number | null; tail: number | null; meta: number | null } {
  const sums = resizeSums(c.program, c.vr, calls);
  const d = c.target.driver;
  const portable = portableRoom();
  const room = d && d.headroom.value !== null ? usableRoom(d.headroom.value) : undefined;
  const boundText = () => (d && room !== undefined
    ? `${d.id} leaves ${room} bytes (${d.headroom.value} bytes of headroom − ${XDP_FRAME_SIZE} for struct xdp_frame − the metadata length)`
    : `most drivers leave 216 bytes (256 − ${XDP_FRAME_SIZE} for struct xdp_frame); the smallest, ${portable.driver}, leaves ${portable.room}`);
  const suggested = room ?? portable.room;

  for (const call of calls) {
    if (c.vr.states[call.slot] === undefined) continue;
    const loc = locAt(c.program, call.slot);
    const arg = callArgument(loc, call.helper, 1);
    const exprData = { expression: arg?.text, deltaMin: call.delta.min, deltaMax: call.delta.max };
    if (call.helper === 'bpf_xdp_adjust_head' && (call.grow === null || sums.push.inLoop.has(call.slot))) {
      const why = call.grow === null
        ? `the verifier cannot bound the push: delta${arg ? ` (\`${arg.text}\`)` : ''} ranges over ${call.delta.min}..${call.delta.max}`
        : `the call sits in a loop, so the pushes add up without a bound`;
      add(c, 'xdp/adjust-head-unbounded', 'warning',
        `bpf_xdp_adjust_head: ${why}. Bound the push length, e.g. check it against ${suggested} before the call (${boundText()}); ` +
        `larger pushes make the helper fail with -EINVAL at run time.`,
        call.slot, { capability: 'headroom', ...exprData, suggestedBound: suggested, portableBound: portable.room }, arg?.range);
    }
    if (call.helper === 'bpf_xdp_adjust_head' && call.grow !== null && (call.shrink === null || (call.shrink > 0 && sums.pull.inLoop.has(call.slot)))) {
      const why = call.shrink === null
        ? `the verifier cannot bound the pull: delta${arg ? ` (\`${arg.text}\`)` : ''} ranges up to ${call.delta.max}`
        : `the call pulls inside a loop, so the pulls add up without a bound`;
      add(c, 'xdp/adjust-head-unbounded', 'warning',
        `bpf_xdp_adjust_head: ${why}. The kernel refuses to move data past data_end − ${ETH_HLEN}, so on packets shorter than the pull + ${ETH_HLEN} bytes ` +
        `the helper fails with -EINVAL at run time; bound the pull by the packet length you checked against data_end.`,
        call.slot, { capability: 'pull', ...exprData }, arg?.range);
    }
    if (call.helper === 'bpf_xdp_adjust_meta') {
      if (!call.aligned4) {
        add(c, 'xdp/capability-missing', 'warning',
          `bpf_xdp_adjust_meta: delta${arg ? ` (\`${arg.text}\`)` : ''} may not be a multiple of 4; the kernel refuses misaligned metadata (-EACCES) on every driver.`,
          call.slot, { capability: 'meta-aligned', ...exprData }, arg?.range);
      }
    }
  }
  // Cumulative push against the driver's room.
  const push = sums.push.total;
  if (d && room !== undefined && push !== null && push > room) {
    // Report at the call that crosses the limit on the heaviest path.
    let at: ResizeCall | undefined;
    for (const call of calls) {
      if (call.helper === 'bpf_xdp_adjust_tail') continue;
      const before = sums.push.before.get(call.slot);
      if (before !== undefined && before !== null && call.grow !== null && before + call.grow > room) { at = call; break; }
    }
    at ??= calls.find((k) => k.helper !== 'bpf_xdp_adjust_tail');
    const arg = at ? callArgument(locAt(c.program, at.slot), at.helper, 1) : undefined;
    add(c, 'xdp/headroom-exceeded', 'error',
      `the program pushes up to ${push} bytes of headroom along one path${at ? ` (this call can push ${at.grow}${(sums.push.before.get(at.slot) ?? 0) > 0 ? ` after ${sums.push.before.get(at.slot)} already pushed` : ''})` : ''}, ` +
      `but ${d.id} has ${d.headroom.value} bytes of headroom, ${room} usable (− ${XDP_FRAME_SIZE} for struct xdp_frame); bpf_xdp_adjust_head fails with -EINVAL there.`,
      at?.slot, {
        capability: `headroom:${push}`, push, usable: room, headroom: d.headroom.value, suggestedBound: room, portableBound: portable.room,
        expression: arg?.text, deltaMin: at?.delta.min, deltaMax: at?.delta.max, source: d.headroom.source,
        ...(d.headroom.uncertain ? { uncertain: d.headroom.uncertain } : {}),
        driversWith: driversWith(c, (p) => p.headroom.value !== null && usableRoom(p.headroom.value) >= push, (p) => `${p.headroom.value} B`),
      }, arg?.range);
  }
  // Metadata length against the kernel's limit.
  const metaLen = sums.meta.total;
  const limit = metaLimit(c.target.kernel);
  if (metaLen !== null && metaLen > limit) {
    const first = calls.find((k) => k.helper === 'bpf_xdp_adjust_meta');
    add(c, 'xdp/capability-missing', 'error',
      `bpf_xdp_adjust_meta: the program grows the metadata to ${metaLen} bytes, more than the ${limit} bytes ${limit === 32 ? `kernels before 6.8 allow (${c.target.kernel ? `target ${KernelVersion.format(c.target.kernel)}` : ''})` : 'the kernel allows (u8 meta_len, 4-byte aligned)'}; the call fails with -EACCES.`,
      first?.slot, { capability: `meta:${metaLen}`, metaLength: metaLen, limit, source: FEATURE_VERSIONS['meta-252'].source, uncertain: FEATURE_VERSIONS['meta-252'].uncertain });
  }
  // Tail growth.
  const tail = sums.tail.total;
  const growCalls = calls.filter((k) => k.helper === 'bpf_xdp_adjust_tail' && (k.grow === null || k.grow > 0));
  if (growCalls.length && c.target.kernel && KernelVersion.before(c.target.kernel, FEATURE_VERSIONS['tail-grow'].since)) {
    add(c, 'xdp/capability-missing', 'error',
      `bpf_xdp_adjust_tail can only shrink before ${FEATURE_VERSIONS['tail-grow'].since} (target ${KernelVersion.format(c.target.kernel)}); growing the frame fails with -EINVAL.`,
      growCalls[0].slot, { capability: 'tail-grow', kernelNeeded: FEATURE_VERSIONS['tail-grow'].since, source: FEATURE_VERSIONS['tail-grow'].source });
  }
  if (d && growCalls.length) {
    if (!d.tailGrow.value) {
      add(c, 'xdp/capability-missing', 'error',
        `bpf_xdp_adjust_tail grows the frame, but ${d.id} cannot grow it${d.tailGrow.uncertain ? ` (${d.tailGrow.uncertain})` : ''}.`,
        growCalls[0].slot, { capability: 'tail-grow', source: d.tailGrow.source, driversWith: driversWith(c, (p) => p.tailGrow.value) });
    } else if (d.tailroom.value !== null && (tail === null || tail > d.tailroom.value)) {
      const arg = callArgument(locAt(c.program, growCalls[0].slot), 'bpf_xdp_adjust_tail', 1);
      add(c, 'xdp/capability-missing', 'warning',
        `bpf_xdp_adjust_tail grows the frame by up to ${tail ?? 'an unbounded number of'} bytes, but ${d.id} leaves only ${d.tailroom.value} bytes of tailroom behind a 1514-byte frame (${d.tailroom.note ?? ''}); the call fails with -EINVAL for full-size frames.`,
        growCalls[0].slot, {
          capability: `tailroom:${tail ?? 'unbounded'}`, tailroom: d.tailroom.value, grow: tail, suggestedBound: d.tailroom.value,
          expression: arg?.text, deltaMin: growCalls[0].delta.min, deltaMax: growCalls[0].delta.max, source: d.tailroom.source, uncertain: d.tailroom.uncertain,
          driversWith: driversWith(c, (p) => p.tailroom.value !== null && tail !== null && p.tailroom.value >= tail, (p) => `${p.tailroom.value} B`),
        }, arg?.range);
    }
  }
  return { push, pull: sums.pull.total, tail, meta: metaLen };
}

// ---------------------------------------------------------------- capabilities

function checkNeeds(c: Ctx, needs: readonly Need[], returns: ValueSet | undefined): void {
  const d = c.target.driver;
  const k = c.target.kernel;
  const kernelText = k ? KernelVersion.format(k) : '';
  const seen = new Set<string>();
  const once = (key: string) => (seen.has(key) ? false : (seen.add(key), true));

  if (d && k && KernelVersion.before(k, d.xdpSince.value)) {
    add(c, 'xdp/capability-missing', 'error', `${d.id} has no native XDP before ${d.xdpSince.value} (target ${kernelText}).`, undefined,
      { capability: 'xdp', kernelNeeded: d.xdpSince.value, source: d.xdpSince.source });
  }
  if (k && returns && ValueSet.has(returns, 4) && KernelVersion.before(k, FEATURE_VERSIONS['action:redirect'].since)) {
    add(c, 'xdp/capability-missing', 'error', `XDP_REDIRECT needs kernel ${FEATURE_VERSIONS['action:redirect'].since} (target ${kernelText}).`, undefined,
      { capability: 'action:redirect', kernelNeeded: FEATURE_VERSIONS['action:redirect'].since, source: FEATURE_VERSIONS['action:redirect'].source });
  }
  if (c.program.frags) {
    if (k && KernelVersion.before(k, FEATURE_VERSIONS.frags.since)) {
      add(c, 'xdp/capability-missing', 'error', `xdp.frags programs (BPF_F_XDP_HAS_FRAGS) need kernel ${FEATURE_VERSIONS.frags.since} (target ${kernelText}).`, undefined,
        { capability: 'frags', kernelNeeded: FEATURE_VERSIONS.frags.since, source: FEATURE_VERSIONS.frags.source });
    }
    if (d?.mode === 'offload') {
      add(c, 'xdp/capability-missing', 'error', `xdp.frags programs cannot be offloaded: the kernel allows BPF_F_XDP_HAS_FRAGS with an ifindex only for device-bound (not offloaded) programs (kernel/bpf/offload.c @7.2.13).`, undefined,
        { capability: 'frags', source: 'kernel/bpf/offload.c:228-236 @7.2.13' });
    } else if (d && !d.rxSg.value) {
      add(c, 'xdp/capability-missing', 'warning',
        `${d.id} has no multi-buffer RX (RX_SG): this xdp.frags program only ever sees single-buffer frames, and the MTU stays limited${d.maxMtu.value ? ` to ${d.maxMtu.value}` : ''} (${d.maxMtu.note ?? 'driver limit'}).`,
        undefined, { capability: 'frags', maxMtu: d.maxMtu.value, source: d.rxSg.source, driversWith: driversWith(c, (p) => p.rxSg.value, (p) => p.rxSg.note) });
    }
    const rt = c.target.redirectTo;
    if (rt && returns && ValueSet.has(returns, 4) && rt.mode === 'native' && !rt.features.value.some((f) => f.startsWith('NDO_XMIT_SG'))) {
      add(c, 'xdp/capability-missing', 'error', `redirect target ${rt.id} does not accept multi-buffer frames (no NDO_XMIT_SG): __xdp_enqueue() returns -EOPNOTSUPP for fragmented frames.`, undefined,
        { capability: 'redirect-target:sg', source: 'kernel/bpf/devmap.c:494-512 @7.2.13', driversWith: driversWith(c, (p) => p.features.value.some((f) => f.startsWith('NDO_XMIT_SG'))) });
    }
  }

  // The verifier refuses a kfunc the target kernel lacks (bpf/helper-unavailable on the call, as
  // libbpf would); a second finding for the same call would only repeat it.
  const refusedAt = new Set(c.vr.findings.filter((f) => f.code === 'bpf/helper-unavailable' && f.insn !== undefined).map((f) => f.insn));
  for (const n of needs) {
    const v = versionOf(n);
    const refused = n.kind === 'kfunc' && refusedAt.has(n.slot);
    if (k && v && !refused && KernelVersion.before(k, fmtVersion(v.fact)) && once(`ver:${v.key}`)) {
      add(c, 'xdp/capability-missing', 'error',
        `${v.key} needs kernel ${fmtVersion(v.fact)}${v.fact.xdp ? ` for XDP programs (the helper exists since ${v.fact.since})` : ''}; the target is ${kernelText}${n.kind === 'helper' || n.kind === 'kfunc' ? ', where loading fails ("unknown func")' : ''}.`,
        'slot' in n ? n.slot : undefined, { capability: v.key, kernelNeeded: fmtVersion(v.fact), source: v.fact.source, ...(v.fact.uncertain ? { uncertain: v.fact.uncertain } : {}) });
    }
    if (!d) continue;
    switch (n.kind) {
      case 'helper':
        if (d.mode === 'offload' && !OFFLOAD_HELPERS.includes(n.name) && once(`off:${n.name}`)) {
          add(c, 'xdp/capability-missing', 'error', `${n.name}: the nfp offload JIT cannot run this helper; it supports ${OFFLOAD_HELPERS.join(', ')}.`, n.slot,
            { capability: `helper:${n.name}`, source: OFFLOAD_HELPERS_SOURCE, driversWith: driversWith(c, (p) => p.mode !== 'offload') });
        }
        break;
      case 'map':
        if (d.mode === 'offload' && !OFFLOAD_MAP_TYPES.includes(n.type) && once(`offmap:${n.mapName}`)) {
          add(c, 'xdp/capability-missing', 'error', `map ${n.mapName} (${n.typeName}): nfp offload holds only hash and array maps (firmware-defined).`, n.slot,
            { capability: `map:${n.typeName}`, source: OFFLOAD_MAP_TYPES_SOURCE });
        }
        break;
      case 'kfunc': {
        const mk = METADATA_KFUNC[n.name];
        if (d.mode === 'offload') {
          if (once(`offk:${n.name}`)) add(c, 'xdp/capability-missing', 'error', `${n.name}: kfuncs cannot be offloaded ("metadata kfuncs can't be offloaded", kernel/bpf/offload.c @7.2.13).`, n.slot,
            { capability: `kfunc:${n.name}`, source: 'kernel/bpf/offload.c:818-830 @7.2.13' });
        } else if (mk && d.mode === 'generic') {
          if (once(`gk:${n.name}`)) add(c, 'xdp/capability-missing', 'error',
            `${n.name}: metadata kfuncs need a device-bound program, and device-bound programs cannot be attached in generic (skb) mode ("Can't attach device-bound programs in generic mode"); unbound, the kfunc returns -EOPNOTSUPP.`, n.slot,
            { capability: `kfunc:${n.name}`, source: d.kfuncs[mk].source, driversWith: driversWith(c, (p) => p.kfuncs[mk].value, (p) => p.kfuncs[mk].note) });
        } else if (mk && !d.kfuncs[mk].value && once(`k:${n.name}`)) {
          const have = driversWith(c, (p) => p.kfuncs[mk].value).map((p) => p.id);
          add(c, 'xdp/capability-missing', 'error',
            `${n.name}: ${d.id} does not implement ${KFUNC_WORDS[mk]} (it returns -EOPNOTSUPP); drivers that do: ${have.join(', ')}.`, n.slot,
            { capability: `kfunc:${n.name}`, source: d.kfuncs[mk].source, ...(d.kfuncs[mk].verified ? { verified: d.kfuncs[mk].verified } : {}), driversWith: driversWith(c, (p) => p.kfuncs[mk].value, (p) => p.kfuncs[mk].note) });
        }
        break;
      }
      case 'meta':
        if (!d.dataMeta.value && once(`meta:${n.via}`)) {
          const cond = d.dataMeta.uncertain ? ` (${d.dataMeta.uncertain})` : '';
          if (n.via === 'adjust_meta') {
            add(c, 'xdp/capability-missing', 'error',
              `bpf_xdp_adjust_meta: ${d.id} prepares buffers without metadata support (meta_valid=false), so the call returns -ENOTSUPP (524) and data_meta stays data + 1${cond}.`, n.slot,
              { capability: 'meta', source: d.dataMeta.source, ...(d.dataMeta.verified ? { verified: d.dataMeta.verified } : {}), driversWith: driversWith(c, (p) => p.dataMeta.value) });
          } else {
            add(c, 'xdp/capability-missing', 'warning',
              `ctx->data_meta: ${d.id} has no metadata area (data_meta is data + 1), so every metadata bounds check fails and the program never sees metadata${cond}.`, n.slot,
              { capability: 'meta', source: d.dataMeta.source, driversWith: driversWith(c, (p) => p.dataMeta.value) });
          }
        }
        break;
      case 'ctx-write':
        if (!(d.mode === 'offload' && n.field === 'rx_queue_index') && once(`w:${n.field}`)) {
          add(c, 'xdp/capability-missing', 'error',
            `writes ctx->${n.field}: XDP programs may not write struct xdp_md; only a program offloaded to nfp may write rx_queue_index (the verifier refuses this write elsewhere).`, n.slot,
            { capability: `ctx-write:${n.field}`, source: 'net/core/filter.c xdp_is_valid_access @6.12; drivers/net/ethernet/netronome/nfp/bpf/verifier.c:511 @6.12.117', driversWith: [{ id: 'nfp-offload' }] });
        }
        break;
      case 'redirect-target': {
        if (n.hairpin && d.mode === 'native' && !d.redirectTarget.value && once('hairpin')) {
          add(c, 'xdp/capability-missing', 'error',
            `bpf_redirect(ctx->ingress_ifindex, ...) sends the packet back out of the ${d.id} device it came from, but ${d.id} cannot be a redirect target (no ndo_xdp_xmit): the redirect fails and the packet is dropped. Return XDP_TX instead.`, n.slot,
            { capability: 'redirect-target:ndo_xdp_xmit', source: d.redirectTarget.source, suggestion: 'XDP_TX', driversWith: driversWith(c, (p) => p.redirectTarget.value && p.mode === 'native') });
        }
        if (n.target === 'xskmap' && !d.xskZeroCopy.value && d.mode === 'native' && once('xsk')) {
          add(c, 'xdp/capability-missing', 'warning',
            `redirect into an XSKMAP${n.mapName ? ` (${n.mapName})` : ''}: ${d.id} has no AF_XDP zero-copy, so sockets run in copy mode.`, n.slot,
            { capability: 'redirect-target:xskmap', source: d.xskZeroCopy.source, driversWith: driversWith(c, (p) => p.xskZeroCopy.value, (p) => p.xskZeroCopy.note) });
        }
        break;
      }
      default:
        break;
    }
  }
  const rt = c.target.redirectTo;
  if (rt && returns && ValueSet.has(returns, 4) && !rt.redirectTarget.value) {
    const r = needs.find((n) => n.kind === 'redirect-target' && n.target !== 'cpumap' && n.target !== 'xskmap');
    if (r) {
      add(c, 'xdp/capability-missing', 'error',
        `redirect to a ${rt.id} device: ${rt.id} cannot be a redirect target (no ndo_xdp_xmit / NETDEV_XDP_ACT_NDO_XMIT), so __xdp_enqueue() returns -EOPNOTSUPP and the packet is dropped.`, 'slot' in r ? r.slot : undefined,
        { capability: 'redirect-target:ndo_xdp_xmit', source: rt.redirectTarget.source, driversWith: driversWith(c, (p) => p.redirectTarget.value && p.mode === 'native') });
    }
  }
}

function requiresList(needs: readonly Need[], returns: ValueSet | undefined, program: Program, sizes: { push: number | null; pull: number | null; tail: number | null; meta: number | null } | undefined): string[] {
  const out = new Set<string>();
  let kernel: string | undefined;
  const bump = (v: string | undefined) => { if (v && (!kernel || KernelVersion.compare(KernelVersion.parse(v)!, KernelVersion.parse(kernel)!) > 0)) kernel = v; };
  // XDP itself is the floor: a helper older than XDP (bpf_map_lookup_elem, 3.19) lowers nothing.
  bump(FEATURE_VERSIONS.xdp.since);
  if (returns) {
    if (ValueSet.has(returns, 3)) out.add('action:tx');
    if (ValueSet.has(returns, 4)) { out.add('action:redirect'); bump(FEATURE_VERSIONS['action:redirect'].since); }
  }
  for (const n of needs) {
    switch (n.kind) {
      case 'helper': out.add(`helper:${n.name}`); break;
      case 'kfunc': out.add(`kfunc:${n.name}`); if (METADATA_KFUNC[n.name]) out.add('dev-bound'); break;
      case 'map': out.add(`map:${n.typeName}`); break;
      case 'redirect-target': out.add(`redirect-target:${n.target}`); break;
      case 'meta': out.add('meta'); break;
      case 'ctx-read': if (n.field !== 'data' && n.field !== 'data_end') out.add(`ctx:${n.field}`); break;
      case 'ctx-write': out.add(`ctx-write:${n.field}`); break;
      case 'loop': out.add('bounded-loops'); break;
    }
    const v = versionOf(n);
    if (v) bump(fmtVersion(v.fact));
  }
  if (program.frags) { out.add('frags'); bump(FEATURE_VERSIONS.frags.since); }
  if (program.attach !== 'none') { out.add(`attach:${program.attach}`); bump(FEATURE_VERSIONS[`attach:${program.attach}`]?.since); }
  if (sizes) {
    if (sizes.push !== 0) out.add(`headroom:${sizes.push ?? 'unbounded'}`);
    if (sizes.tail !== 0) { out.add(`tailroom:${sizes.tail ?? 'unbounded'}`); bump(FEATURE_VERSIONS['tail-grow'].since); }
    if (sizes.meta !== null && sizes.meta > 32) bump(FEATURE_VERSIONS['meta-252'].since);
  }
  const list = [...out].sort();
  list.push(`kernel>=${kernel!}`);
  return list;
}

/** The XDP analyses of one program against a target (driver and/or kernel, both optional). */
export function analyzeXdp(program: Program, obj: LoadedObject, vr: VerifyResult, target: XdpTarget = {}, options: XdpOptions = {}): XdpAnalysis {
  const resolved: XdpTarget = {
    ...target,
    ...(target.driver ? { driver: profileAt(target.driver, target.kernel) } : {}),
    ...(target.redirectTo ? { redirectTo: profileAt(target.redirectTo, target.kernel) } : {}),
  };
  const c: Ctx = { options, program, obj, vr, target: resolved, findings: [] };
  const needs = inferNeeds(program, obj, vr);
  let returnValues: ReturnValues | undefined;
  let returns: ValueSet | undefined;
  let sizes: { push: number | null; pull: number | null; tail: number | null; meta: number | null } | undefined;
  if (vr.verdict === 'accept') {
    const sources = returnSources(program, vr);
    returns = returnValueSet(sources);
    returnValues = { values: returns.values ? [...returns.values] : null, min: returns.min, max: returns.max };
    checkReturns(c, sources, returns);
    sizes = checkResize(c, resizeCalls(vr));
  }
  checkNeeds(c, needs, returns);
  if (!target.driver) {
    add(c, 'xdp/portability-unchecked', 'info',
      `no driver selected: driver-dependent checks (actions, headroom, metadata, kfuncs, frags) were not run for ${program.name}; pass --driver (see \`xdp-check drivers\`) or --matrix.`,
      program.funcs[0]?.start ?? 0, {});
  }
  return {
    ...(returnValues ? { returnValues } : {}),
    ...(sizes ? { headroom: { push: sizes.push, pull: sizes.pull } } : {}),
    requires: requiresList(needs, returns, program, sizes),
    findings: c.findings,
  };
}

export interface MatrixInput {
  readonly program: Program;
  readonly obj: LoadedObject;
  readonly vr: VerifyResult;
  readonly options?: XdpOptions;
}

export interface MatrixCell {
  readonly driver: string;
  readonly ok: boolean;
  /** One line per error finding that makes the cell fail. */
  readonly reasons: string[];
}

export interface MatrixRow {
  readonly program: string;
  readonly cells: MatrixCell[];
}

/** Program × driver: ✔ when no xdp/ error (as cli/matrix.ts counts), else the reasons (for `xdp-check check --matrix`). */
export function portabilityMatrix(programs: readonly MatrixInput[], drivers: readonly DriverProfile[] = DRIVER_PROFILES, kernel?: KernelVersion): MatrixRow[] {
  return programs.map(({ program, obj, vr, options }) => ({
    program: program.name,
    cells: drivers.map((driver) => {
      const a = analyzeXdp(program, obj, vr, { driver, ...(kernel ? { kernel } : {}) }, options);
      const bad = a.findings.filter((f) => f.severity === 'error');
      return { driver: driver.id, ok: bad.length === 0, reasons: bad.map((f) => `${f.code}: ${f.message}`) };
    }),
  }));
}

/** Text rendering of the matrix: one line per program with ✔/✘ per driver, then the reasons for each ✘. */
export function formatMatrix(rows: readonly MatrixRow[]): string {
  const out: string[] = [];
  for (const r of rows) {
    out.push(`${r.program}: ${r.cells.map((c) => `${c.driver} ${c.ok ? '✔' : '✘'}`).join('  ')}`);
    for (const c of r.cells) if (!c.ok) for (const why of c.reasons) out.push(`  ✘ ${c.driver}: ${why}`);
  }
  return out.join('\n') + '\n';
}

export { findDriver, showValue };
