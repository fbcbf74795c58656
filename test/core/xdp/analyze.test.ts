// The XDP analyses over hand-built verifier results: return values, return-invalid placement,
// per-driver actions, headroom sums, metadata, kfuncs, helpers per kernel, frags, offload, ctx
// writes, redirect targets, requires, and the matrix. Each driver check is also run against a
// profile with one capability flipped, to see the finding appear.
import { describe, expect, it } from 'vitest';
import { findDriver, KernelVersion, type DriverProfile } from '../../../server/src/core/drivers/index';
import { helperId } from '../../../server/src/core/isa/helpers';
import { analyzeXdp, formatMatrix, portabilityMatrix, type XdpTarget } from '../../../server/src/core/xdp/index';
import { build, devmap, I, konst, range, reg, unknown, type Built } from './build';

const drv = (id: string): DriverProfile => findDriver(id)!;
const kv = (s: string) => KernelVersion.parse(s)!;
const codes = (b: Built, t: XdpTarget = {}) => analyzeXdp(b.program, b.obj, b.vr, t).findings.map((f) => f.code);
const run = (b: Built, t: XdpTarget = {}) => analyzeXdp(b.program, b.obj, b.vr, t);
const flip = (p: DriverProfile, patch: Partial<DriverProfile>): DriverProfile => ({ ...p, ...patch });

/** `return c;` for a constant. */
function returnConst(c: number, text = `    return ${c};`): Built {
  return build({
    insns: [I.mov(0, c), I.exit()],
    lines: [text, '}'],
    regs: { 1: { 0: reg(konst(c)) } },
    exits: [{ slot: 1, r0: konst(c), r0Defs: [0] }],
  });
}

/** if (...) return a; return b;  — both paths merge at one exit. */
function twoReturns(a: number, b: number, merged = false): Built {
  return build({
    insns: [I.jeq(1, 0, 2), I.mov(0, a), I.ja(1), I.mov(0, b), I.exit()],
    lines: ['    if (ctx->ingress_ifindex == 0)', merged ? '}' : `        return ${a};`, undefined, `    return ${b};`, '}'],
    regs: { 4: { 0: reg(range(Math.min(a, b), Math.max(a, b))) } },
    exits: [{ slot: 4, r0: range(Math.min(a, b), Math.max(a, b)), r0Defs: [1, 3] }],
  });
}

/** A call to a helper with R0 unknown after it, returned directly. */
function callReturn(name: string, args: ReturnType<typeof reg>[], text: string): Built {
  return build({
    insns: [I.helper(name), I.exit()],
    lines: [text, '}'],
    regs: { 1: { 0: reg(unknown()) } },
    calls: [{ slot: 0, args, ret: reg(unknown()) }],
    exits: [{ slot: 1, r0: unknown(), r0Defs: [0] }],
  });
}

describe('return values', () => {
  it('lists the constant each exit returns', () => {
    expect(run(returnConst(2)).returnValues).toEqual({ values: [2], min: 2, max: 2 });
    expect(run(twoReturns(1, 2)).returnValues).toEqual({ values: [1, 2], min: 1, max: 2 });
  });

  it('uses the defining moves when the exit state is a joined range', () => {
    expect(run(twoReturns(1, 3)).returnValues?.values).toEqual([1, 3]);
  });

  it('gives a range with null values beyond 64 members', () => {
    const b = build({ insns: [I.exit()], lines: ['}'], exits: [{ slot: 0, r0: range(0, 1000), r0Defs: [] }] });
    expect(run(b).returnValues).toEqual({ values: null, min: 0, max: 1000 });
  });

  it('bpf_redirect_map returns XDP_REDIRECT or the low two bits of flags', () => {
    const pass = callReturn('bpf_redirect_map', [reg(konst(0), 'map_ptr', { mapIndex: 0 }), reg(konst(0)), reg(konst(2))], '    return bpf_redirect_map(&tx_port, 0, XDP_PASS);');
    pass.obj.maps.push(devmap(0));
    expect(run(pass).returnValues?.values).toEqual([2, 4]);
    const unknownFlags = callReturn('bpf_redirect_map', [reg(konst(0), 'map_ptr', { mapIndex: 0 }), reg(konst(0)), reg(unknown())], '    return bpf_redirect_map(&tx_port, k, f);');
    expect(run(unknownFlags).returnValues?.values).toEqual([0, 1, 2, 3, 4]);
  });

  it('bpf_redirect returns XDP_REDIRECT, or XDP_ABORTED unless flags are 0', () => {
    expect(run(callReturn('bpf_redirect', [reg(konst(3)), reg(konst(0))], '    return bpf_redirect(3, 0);')).returnValues?.values).toEqual([4]);
    expect(run(callReturn('bpf_redirect', [reg(konst(3)), reg(unknown())], '    return bpf_redirect(3, f);')).returnValues?.values).toEqual([0, 4]);
  });
});

describe('xdp/return-invalid', () => {
  it('reports a value above 4 on the return statement, with the kernel behaviour', () => {
    const a = run(twoReturns(7, 2));
    const f = a.findings.filter((x) => x.code === 'xdp/return-invalid');
    expect(f).toHaveLength(1);
    expect(f[0].severity).toBe('error');
    expect(f[0].range.start).toEqual({ line: 11, column: 9 });
    expect(f[0].message).toMatch(/returns 7, outside XDP_ABORTED\.\.XDP_REDIRECT \(0\.\.4\)/);
    expect(f[0].message).toMatch(/does not check/);
    expect(f[0].message).toMatch(/XDP_ABORTED/);
    expect(f[0].message).toMatch(/return 7;/);
    expect(f[0].data).toMatchObject({ values: [7] });
  });

  it('finds the return statement when the move carries the closing brace line', () => {
    const b = twoReturns(9, 2, true);
    (b.program.lines as unknown[])[0] = { file: 'prog.c', line: 5, column: 5, text: '    if (ctx->ingress_ifindex == 0) return 9;' };
    const f = run(b).findings.find((x) => x.code === 'xdp/return-invalid')!;
    expect(f.range.start.line).toBe(5);
    expect(f.range.start.column).toBe(36);
  });

  it('shows negative returns signed', () => {
    const f = run(returnConst(-1)).findings.find((x) => x.code === 'xdp/return-invalid')!;
    expect(f.message).toMatch(/4294967295 \(-1\)/);
  });

  it('is silent for 0..4', () => {
    expect(codes(twoReturns(1, 4))).not.toContain('xdp/return-invalid');
  });
});

describe('xdp/return-unsupported', () => {
  const redirect = () => returnConst(4, '    return XDP_REDIRECT;');
  it('flags XDP_REDIRECT on ixgbevf, nicvf and nfp, not on i40e', () => {
    for (const id of ['ixgbevf', 'nicvf', 'nfp']) expect(codes(redirect(), { driver: drv(id) }), id).toContain('xdp/return-unsupported');
    expect(codes(redirect(), { driver: drv('i40e') })).not.toContain('xdp/return-unsupported');
  });
  it('appears when the capability is flipped off', () => {
    const i40e = drv('i40e');
    const noRedirect = flip(i40e, { actions: { ...i40e.actions, value: ['ABORTED', 'DROP', 'PASS', 'TX'] } });
    const f = run(redirect(), { driver: noRedirect }).findings.find((x) => x.code === 'xdp/return-unsupported')!;
    expect(f.message).toMatch(/XDP_REDIRECT \(4\) is reachable but i40e does not handle it/);
    expect(f.range.start.line).toBe(10);
    expect(f.data).toMatchObject({ capability: 'action:redirect' });
    expect((f.data!.driversWith as Array<{ id: string }>).map((d) => d.id)).toContain('mlx5_core');
  });
  it('nfp offload drops anything above XDP_TX', () => {
    const f = run(redirect(), { driver: drv('nfp-offload') }).findings.find((x) => x.code === 'xdp/return-unsupported')!;
    expect(f.message).toMatch(/above XDP_TX/);
  });
});

/** Two bpf_xdp_adjust_head calls in sequence, each pushing `d` bytes (delta = -d), then XDP_PASS. */
function pushes(deltas: Array<ReturnType<typeof konst>>, loop = false): Built {
  const insns = [] as ReturnType<typeof I.exit>[];
  const lines: Array<string | undefined> = [];
  const calls: Array<{ slot: number; args: ReturnType<typeof reg>[]; ret: ReturnType<typeof reg> }> = [];
  deltas.forEach((d, i) => {
    calls.push({ slot: insns.length, args: [reg(konst(0), 'ctx'), reg(d)], ret: reg(range(-22, 0)) });
    insns.push(I.helper('bpf_xdp_adjust_head'));
    lines.push(`    if (bpf_xdp_adjust_head(ctx, -(int)len${i}))`);
  });
  if (loop) { insns.push(I.jeq(0, 0, -(insns.length + 1))); lines.push('    while (more)'); }
  insns.push(I.mov(0, 2), I.exit());
  lines.push('    return XDP_PASS;', '}');
  const n = insns.length;
  return build({ insns, lines, calls, regs: { [n - 1]: { 0: reg(konst(2)) } }, exits: [{ slot: n - 1, r0: konst(2), r0Defs: [n - 2] }] });
}

describe('headroom', () => {
  it('adds pushes along a path: two pushes of 100 need 200', () => {
    const a = run(pushes([konst(-100), konst(-100)]));
    expect(a.headroom).toEqual({ push: 200, pull: 0 });
    expect(a.requires).toContain('headroom:200');
  });

  it('xdp/headroom-exceeded on i40e (152 usable), not on mlx5_core (216)', () => {
    const b = pushes([konst(-100), konst(-100)]);
    const f = run(b, { driver: drv('i40e') }).findings.find((x) => x.code === 'xdp/headroom-exceeded')!;
    expect(f.severity).toBe('error');
    expect(f.message).toMatch(/pushes up to 200 bytes/);
    expect(f.message).toMatch(/192 bytes of headroom, 152 usable/);
    expect(f.insn).toBe(1);
    expect(f.data).toMatchObject({ suggestedBound: 152, push: 200, expression: '-(int)len1' });
    expect(codes(b, { driver: drv('mlx5_core') })).not.toContain('xdp/headroom-exceeded');
    const m = drv('mlx5_core');
    expect(codes(b, { driver: flip(m, { headroom: { ...m.headroom, value: 192 } }) })).toContain('xdp/headroom-exceeded');
  });

  it('ixgbevf (64 bytes of headroom) leaves 24 bytes', () => {
    const f = run(pushes([konst(-28)]), { driver: drv('ixgbevf') }).findings.find((x) => x.code === 'xdp/headroom-exceeded')!;
    expect(f.data).toMatchObject({ usable: 24 });
  });

  it('xdp/adjust-head-unbounded when the delta has no lower bound, with the driver bound', () => {
    const a = run(pushes([unknown()]), { driver: drv('sfc') });
    // An unknown delta may as well pull: both sides are unbounded.
    expect(a.headroom).toEqual({ push: null, pull: null });
    expect(a.requires).toContain('headroom:unbounded');
    const f = a.findings.find((x) => x.code === 'xdp/adjust-head-unbounded')!;
    expect(f.severity).toBe('warning');
    expect(f.message).toMatch(/sfc leaves 88 bytes/);
    expect(f.data).toMatchObject({ suggestedBound: 88, portableBound: 24, expression: '-(int)len0' });
    expect(f.range.start.column).toBe(34);
    const none = run(pushes([unknown()])).findings.find((x) => x.code === 'xdp/adjust-head-unbounded')!;
    expect(none.message).toMatch(/216 bytes/);
  });

  it('pulls: bounded ones add up along a path; one the verifier cannot bound from above is a warning', () => {
    const bounded = run(pushes([konst(20), konst(8)]));
    expect(bounded.headroom).toEqual({ push: 0, pull: 28 });
    expect(bounded.findings.filter((f) => f.code === 'xdp/adjust-head-unbounded')).toEqual([]);
    // delta in [0, 2^31-1]: never a push, but an unbounded pull off the front.
    const open = run(pushes([range(0, 0x7fffffff)]));
    expect(open.headroom).toEqual({ push: 0, pull: null });
    const f = open.findings.find((x) => x.code === 'xdp/adjust-head-unbounded')!;
    expect(f.severity).toBe('warning');
    expect(f.message).toMatch(/cannot bound the pull.*data_end − 14/);
    expect(f.data).toMatchObject({ capability: 'pull', deltaMin: 0, deltaMax: 0x7fffffff });
    // A pull inside a loop has no bound in total either.
    expect(run(pushes([konst(4)], true)).findings.map((x) => x.code)).toContain('xdp/adjust-head-unbounded');
  });

  it('a bounded push inside a loop is unbounded in total', () => {
    const a = run(pushes([konst(-4)], true));
    expect(a.headroom).toEqual({ push: null, pull: 0 });
    expect(a.findings.map((f) => f.code)).toContain('xdp/adjust-head-unbounded');
  });
});

function metaProgram(delta: ReturnType<typeof konst>): Built {
  return build({
    insns: [I.helper('bpf_xdp_adjust_meta'), I.mov(0, 2), I.exit()],
    lines: ['    if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(struct meta)))', '    return XDP_PASS;', '}'],
    calls: [{ slot: 0, args: [reg(konst(0), 'ctx'), reg(delta)] }],
    regs: { 2: { 0: reg(konst(2)) } },
    exits: [{ slot: 2, r0: konst(2), r0Defs: [1] }],
  });
}

describe('metadata', () => {
  it('data_meta on drivers without it (ena, sfc, qede): error; i40e fine; flipping i40e shows it', () => {
    for (const id of ['ena', 'sfc', 'qede']) {
      const f = run(metaProgram(konst(-8)), { driver: drv(id) }).findings.find((x) => x.code === 'xdp/capability-missing')!;
      expect(f.message, id).toMatch(/-ENOTSUPP \(524\)/);
    }
    expect(codes(metaProgram(konst(-8)), { driver: drv('i40e') })).not.toContain('xdp/capability-missing');
    const i = drv('i40e');
    expect(codes(metaProgram(konst(-8)), { driver: flip(i, { dataMeta: { ...i.dataMeta, value: false } }) })).toContain('xdp/capability-missing');
  });
  it('requires meta and counts the metadata against the headroom', () => {
    const a = run(metaProgram(konst(-8)));
    expect(a.requires).toContain('meta');
    expect(a.headroom).toEqual({ push: 8, pull: 0 });
  });
  it('more than 32 bytes needs 6.8; misaligned deltas are flagged', () => {
    const big = metaProgram(konst(-64));
    expect(run(big, { kernel: kv('6.1') }).findings.some((f) => /more than the 32 bytes/.test(f.message))).toBe(true);
    expect(run(big, { kernel: kv('6.8') }).findings.some((f) => /more than the/.test(f.message))).toBe(false);
    expect(run(metaProgram(range(-7, -1))).findings.some((f) => f.data?.capability === 'meta-aligned')).toBe(true);
    expect(run(metaProgram(konst(-8))).findings.some((f) => f.data?.capability === 'meta-aligned')).toBe(false);
  });
});

function kfuncProgram(name: string): Built {
  return build({
    insns: [I.kfunc(), I.mov(0, 2), I.exit()],
    lines: ['    bpf_xdp_metadata_rx_timestamp(ctx, &ts);', '    return XDP_PASS;', '}'],
    calls: [{ slot: 0, kfunc: name, args: [] }],
    kfuncs: [{ slot: 0, name }],
    regs: { 2: { 0: reg(konst(2)) } },
    exits: [{ slot: 2, r0: konst(2), r0Defs: [1] }],
  });
}

describe('capabilities', () => {
  it('metadata kfunc on a driver without it: the issue\'s message', () => {
    const f = run(kfuncProgram('bpf_xdp_metadata_rx_timestamp'), { driver: drv('i40e') }).findings.find((x) => x.code === 'xdp/capability-missing')!;
    expect(f.message).toBe('bpf_xdp_metadata_rx_timestamp: i40e does not implement rx timestamps (it returns -EOPNOTSUPP); drivers that do: mlx5_core, mlx4_en, ice, igc, idpf, veth, stmmac.');
    expect(codes(kfuncProgram('bpf_xdp_metadata_rx_timestamp'), { driver: drv('mlx5_core') })).not.toContain('xdp/capability-missing');
    const m = drv('mlx5_core');
    const off = flip(m, { kfuncs: { ...m.kfuncs, rx_timestamp: { ...m.kfuncs.rx_timestamp, value: false } } });
    expect(codes(kfuncProgram('bpf_xdp_metadata_rx_timestamp'), { driver: off })).toContain('xdp/capability-missing');
    expect(run(kfuncProgram('bpf_xdp_metadata_rx_hash'), { driver: drv('generic') }).findings[0].message).toMatch(/generic \(skb\) mode/);
    expect(run(kfuncProgram('bpf_xdp_metadata_rx_vlan_tag'), { kernel: kv('6.5') }).findings.some((f) => /needs kernel 6\.8/.test(f.message))).toBe(true);
  });

  it('helpers unavailable before the target kernel', () => {
    const b = build({
      insns: [I.helper('bpf_xdp_load_bytes'), I.mov(0, 2), I.exit()],
      lines: ['    bpf_xdp_load_bytes(ctx, 0, buf, 4);', '    return XDP_PASS;', '}'],
      calls: [{ slot: 0, args: [] }], regs: { 2: { 0: reg(konst(2)) } }, exits: [{ slot: 2, r0: konst(2), r0Defs: [1] }],
    });
    const f = run(b, { kernel: kv('5.15') }).findings.find((x) => x.code === 'xdp/capability-missing')!;
    expect(f.message).toMatch(/bpf_xdp_load_bytes needs kernel 5\.18; the target is 5\.15/);
    expect(codes(b, { kernel: kv('6.1') })).not.toContain('xdp/capability-missing');
    expect(run(b).requires).toEqual(['action:tx', 'helper:bpf_xdp_load_bytes', 'kernel>=5.18'].filter((r) => r !== 'action:tx'));
  });

  it('helpers and maps nfp offload cannot run', () => {
    const b = build({
      insns: [...I.ldMap(1, 0), I.helper('bpf_fib_lookup'), I.mov(0, 2), I.exit()],
      lines: ['    m = &lpm;', undefined, '    bpf_fib_lookup(ctx, &p, sizeof(p), 0);', '    return XDP_PASS;', '}'],
      calls: [{ slot: 2, args: [] }], regs: { 4: { 0: reg(konst(2)) } }, exits: [{ slot: 4, r0: konst(2), r0Defs: [3] }],
      maps: [devmap(0, 'lpm', 11)],
    });
    const msgs = run(b, { driver: drv('nfp-offload') }).findings.map((f) => f.message).join('\n');
    expect(msgs).toMatch(/bpf_fib_lookup: the nfp offload JIT cannot run this helper/);
    expect(msgs).toMatch(/map lpm \(lpm_trie\): nfp offload holds only hash and array maps/);
    expect(codes(b, { driver: drv('nfp') })).not.toContain('xdp/capability-missing');
  });

  it('frags programs on drivers without RX_SG (MTU limit), fine on i40e', () => {
    const b = build({ insns: [I.mov(0, 2), I.exit()], lines: ['    return XDP_PASS;', '}'], frags: true, regs: { 1: { 0: reg(konst(2)) } }, exits: [{ slot: 1, r0: konst(2), r0Defs: [0] }] });
    const f = run(b, { driver: drv('ixgbe') }).findings.find((x) => x.code === 'xdp/capability-missing')!;
    expect(f.severity).toBe('warning');
    expect(f.message).toMatch(/no multi-buffer RX \(RX_SG\).*limited to 3050/);
    expect(codes(b, { driver: drv('i40e') })).not.toContain('xdp/capability-missing');
    expect(run(b).requires).toEqual(['frags', 'kernel>=5.18']);
    expect(run(b, { kernel: kv('5.15') }).findings.some((x) => /need kernel 5\.18/.test(x.message))).toBe(true);
  });

  it('writes to ctx are allowed only under offload', () => {
    const b = build({
      insns: [I.stw(1, 16, 1), I.mov(0, 2), I.exit()],
      lines: ['    ctx->rx_queue_index = 1;', '    return XDP_PASS;', '}'],
      regs: { 0: { 1: reg(konst(0), 'ctx') }, 2: { 0: reg(konst(2)) } }, exits: [{ slot: 2, r0: konst(2), r0Defs: [1] }],
    });
    expect(run(b, { driver: drv('i40e') }).findings.find((x) => x.code === 'xdp/capability-missing')!.message).toMatch(/writes ctx->rx_queue_index/);
    expect(codes(b, { driver: drv('nfp-offload') })).not.toContain('xdp/capability-missing');
    expect(run(b).requires).toContain('ctx-write:rx_queue_index');
  });

  it('redirect into a devmap whose target driver cannot transmit', () => {
    const b = callReturn('bpf_redirect_map', [reg(konst(0), 'map_ptr', { mapIndex: 0 }), reg(konst(0)), reg(konst(0))], '    return bpf_redirect_map(&tx_port, 0, 0);');
    b.obj.maps.push(devmap(0));
    const a = run(b, { driver: drv('i40e'), redirectTo: drv('ixgbevf') });
    expect(a.findings.find((x) => x.code === 'xdp/capability-missing')!.message).toMatch(/ixgbevf cannot be a redirect target/);
    expect(codes(b, { driver: drv('i40e'), redirectTo: drv('ixgbe') })).not.toContain('xdp/capability-missing');
    expect(a.requires).toEqual(['action:redirect', 'helper:bpf_redirect_map', 'redirect-target:devmap', 'kernel>=4.14']);
  });

  it('no driver: one info finding that portability was not checked', () => {
    const f = run(returnConst(2)).findings;
    expect(f.map((x) => [x.code, x.severity])).toEqual([['xdp/portability-unchecked', 'info']]);
    expect(codes(returnConst(2), { driver: drv('i40e') })).toEqual([]);
  });

  it('rejected programs get requires but no return values', () => {
    const b = returnConst(2);
    const a = analyzeXdp(b.program, b.obj, { ...b.vr, verdict: 'reject' }, { driver: drv('i40e') });
    expect(a.returnValues).toBeUndefined();
    expect(a.requires).toEqual(['kernel>=4.8']);
  });
});

describe('matrix', () => {
  it('marks each driver ✔ or ✘ with the reason', () => {
    const rows = portabilityMatrix([returnConst(4, '    return XDP_REDIRECT;')].map((b) => ({ program: b.program, obj: b.obj, vr: b.vr })), ['i40e', 'ixgbevf', 'nfp-offload'].map(drv));
    expect(rows[0].cells.map((c) => c.ok)).toEqual([true, false, false]);
    const text = formatMatrix(rows);
    expect(text).toMatch(/^prog: i40e ✔ {2}ixgbevf ✘ {2}nfp-offload ✘$/m);
    expect(text).toMatch(/✘ ixgbevf: xdp\/return-unsupported: XDP_REDIRECT \(4\)/);
  });
});

// Used so the import is not flagged when a case above is edited away.
void helperId;

describe('version-dependent facts', () => {
  it('ice had 192 bytes of headroom up to 6.12', () => {
    const b = pushes([konst(-220)]);
    expect(codes(b, { driver: drv('ice') })).toContain('xdp/headroom-exceeded');
    const small = pushes([konst(-180)]);
    expect(codes(small, { driver: drv('ice') })).not.toContain('xdp/headroom-exceeded');
    const f = run(small, { driver: drv('ice'), kernel: kv('6.12') }).findings.find((x) => x.code === 'xdp/headroom-exceeded')!;
    expect(f.message).toMatch(/ice has 192 bytes of headroom, 152 usable/);
  });
  it('tun gained data_meta after 6.12; bnxt_en rx_hash after 6.12', () => {
    expect(codes(metaProgram(konst(-8)), { driver: drv('tun') })).not.toContain('xdp/capability-missing');
    expect(codes(metaProgram(konst(-8)), { driver: drv('tun'), kernel: kv('6.12') })).toContain('xdp/capability-missing');
    expect(codes(kfuncProgram('bpf_xdp_metadata_rx_hash'), { driver: drv('bnxt_en') })).not.toContain('xdp/capability-missing');
    const f = run(kfuncProgram('bpf_xdp_metadata_rx_hash'), { driver: drv('bnxt_en'), kernel: kv('6.12') }).findings.find((x) => x.code === 'xdp/capability-missing')!;
    expect(f.message).toMatch(/bnxt_en does not implement rx hashes/);
    expect(f.message).not.toMatch(/drivers that do: .*bnxt_en/);
  });
});

describe('driver lists follow the target kernel', () => {
  it('drivers without XDP on the target kernel are not suggested', () => {
    const latest = run(kfuncProgram('bpf_xdp_metadata_rx_timestamp'), { driver: drv('i40e') }).findings[0].message;
    const old = run(kfuncProgram('bpf_xdp_metadata_rx_timestamp'), { driver: drv('i40e'), kernel: kv('6.12') }).findings[0].message;
    expect(latest).toMatch(/idpf/);
    expect(old).not.toMatch(/idpf/);
  });
});

describe('scale', () => {
  // Scale, not speed (speed is measured by `npm run bench`): a long program with many calls
  // completes for every driver with the exact result.
  it('analyses a 20,000-instruction program with 500 zero-length pushes and branches for every driver', () => {
    const insns = [] as ReturnType<typeof I.exit>[];
    const lines: string[] = [];
    const calls: Array<{ slot: number; args: ReturnType<typeof reg>[] }> = [];
    while (insns.length < 20_000) {
      if (insns.length % 40 === 0) { calls.push({ slot: insns.length, args: [reg(konst(0), 'ctx'), reg(konst(0))] }); insns.push(I.helper('bpf_xdp_adjust_head')); }
      else if (insns.length % 7 === 0) insns.push(I.jeq(2, 0, 1));
      else insns.push(I.mov(3, insns.length));
      lines.push(`    line ${insns.length};`);
    }
    insns.push(I.mov(0, 2), I.exit());
    lines.push('    return XDP_PASS;', '}');
    const n = insns.length;
    const b = build({ insns, lines, calls, regs: { [n - 1]: { 0: reg(konst(2)) } }, exits: [{ slot: n - 1, r0: konst(2), r0Defs: [n - 2] }] });
    for (const id of ['i40e', 'mlx5_core', 'generic']) {
      const a = run(b, { driver: drv(id) });
      expect(a.headroom).toEqual({ push: 0, pull: 0 });
      expect(a.findings.filter((f) => f.code.startsWith('xdp/adjust') || f.code === 'xdp/headroom-exceeded')).toEqual([]);
    }
  });
});
