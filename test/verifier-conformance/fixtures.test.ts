// The verifier fixtures agree with the kernel: every annotation matches the verdict recorded
// from the running kernel (kernel-verdicts.json, written by scripts/record-kernel-verdicts.mjs),
// and, as root, the oracle re-checks the records against the kernel running now.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BpfCodes } from '../../server/src/core/diagnostics/codes';
import { buildFixture, listFixtures, parseAnnotations, readKernelVerdicts } from '../support/fixtures';
import { kernelLoad, kernelTestRun, kernelTestRunMany, oracleAvailable, rejectionMessage } from '../support/oracle';

const fixtures = listFixtures();
const records = readKernelVerdicts();
const oracle = oracleAvailable();
const oracleSkip = oracle.ok ? '' : ` (skipped: ${oracle.reason})`;

describe('verifier fixtures: annotations', () => {
  it('has at least 200 programs, accepted and rejected, across every bpf code the kernel can produce as root', () => {
    const all = fixtures.flatMap((f) => parseAnnotations(readFileSync(f, 'utf8')).programs);
    expect(all.length).toBeGreaterThanOrEqual(200);
    const accepts = all.filter((p) => p.verdict === 'accept').length;
    expect(accepts).toBeGreaterThanOrEqual(80);
    expect(all.length - accepts).toBeGreaterThanOrEqual(80);
    const codes = new Set(all.map((p) => p.code).filter(Boolean));
    for (const c of ['bpf/pkt-bounds', 'bpf/null-deref', 'bpf/uninit-reg', 'bpf/stack-bounds', 'bpf/map-bounds', 'bpf/ctx-access',
      'bpf/mem-access', 'bpf/ptr-arith', 'bpf/helper-arg', 'bpf/helper-unavailable', 'bpf/ref-leak', 'bpf/exit-r0', 'bpf/loop',
      'bpf/too-complex', 'bpf/call-depth', 'bpf/bad-insn', 'bpf/misaligned']) {
      expect(codes, c).toContain(c);
    }
  });

  it.each(fixtures.map((f) => [basename(f), f]))('%s: annotations are well-formed and use known codes', (_name, path) => {
    const ann = parseAnnotations(readFileSync(path, 'utf8'));
    expect(ann.problems).toEqual([]);
    expect(ann.programs.length).toBeGreaterThan(0);
    for (const p of ann.programs) if (p.code) expect(Object.keys(BpfCodes)).toContain(p.code);
  });

  it.each(fixtures.map((f) => [basename(f), f]))('%s: agrees with the recorded kernel verdicts', (name, path) => {
    const ann = parseAnnotations(readFileSync(path, 'utf8'));
    const rec = records[name];
    expect(rec, `no kernel record for ${name}: run node scripts/record-kernel-verdicts.mjs as root`).toBeDefined();
    expect(Object.keys(rec).sort()).toEqual(ann.programs.map((p) => p.name).sort());
    for (const p of ann.programs) {
      const r = rec[p.name];
      expect(r.verdict, `${name}:${p.name} (${r.message})`).toBe(p.verdict);
      if (p.verdict === 'reject') {
        expect(r.message, `${name}:${p.name}`).not.toBe('');
        if (p.msg) expect(r.message).toContain(p.msg);
        // The marker sits on the line the kernel names for the failing instruction, when it names one.
        if (r.line !== undefined) expect(p.line, `${name}:${p.name} marker`).toBe(r.line);
      }
    }
  });
});

describe('verifier fixtures: the running kernel still agrees with the records' + oracleSkip, () => {
  it.skipIf(!oracle.ok).each(fixtures.map((f) => [basename(f), f]))('%s', (name, path) => {
    const verdicts = kernelLoad(buildFixture(path));
    const rec = records[name];
    for (const v of verdicts) {
      expect(v.stage, `${name}:${v.name} must reach the verifier`).toBe('verifier');
      expect(v.verdict, `${name}:${v.name}`).toBe(rec[v.name].verdict);
      if (v.verdict === 'reject') expect(rejectionMessage(v.log), `${name}:${v.name}`).toBe(rec[v.name].message);
    }
  });
});

describe('kernel oracle: test run' + oracleSkip, () => {
  it.skipIf(!oracle.ok)('runs eth_proto_ok on an IPv4 frame and a short frame with BPF_PROG_TEST_RUN', () => {
    const obj = buildFixture(fixtures.find((f) => f.endsWith('/pkt_basic.c'))!);
    const ipv4 = new Uint8Array(60);
    ipv4[12] = 0x08;
    const r1 = kernelTestRun(obj, 'eth_proto_ok', ipv4, 3);
    expect(r1.retval).toBe(2); // XDP_PASS
    expect(Buffer.from(r1.dataOut).equals(Buffer.from(ipv4))).toBe(true);
    const r2 = kernelTestRun(obj, 'eth_proto_ok', new Uint8Array(14).fill(0x11));
    expect(r2.retval).toBe(1); // XDP_DROP: h_proto 0x1111
    expect(r2.durationNs).toBeGreaterThanOrEqual(0);
  });

  it.skipIf(!oracle.ok)('reports the packet bytes a program rewrote (push_vlan_ok grows the head by 4)', () => {
    const obj = buildFixture(fixtures.find((f) => f.endsWith('/pkt_adjust.c'))!);
    const pkt = new Uint8Array(64).map((_, i) => i);
    const r = kernelTestRun(obj, 'push_vlan_ok', pkt);
    expect(r.retval).toBe(3); // XDP_TX
    expect(r.dataOut.length).toBe(68);
    expect([...r.dataOut.slice(0, 12)]).toEqual([...pkt.slice(0, 12)]);
    expect([r.dataOut[12], r.dataOut[13]]).toEqual([0x81, 0x00]);
  });

  it.skipIf(!oracle.ok)('runs many packets in one process, each with fresh maps; refuses frames shorter than ETH_HLEN', () => {
    const obj = buildFixture(fixtures.find((f) => f.endsWith('/pkt_basic.c'))!);
    const ipv4 = new Uint8Array(20);
    ipv4[12] = 0x08;
    const res = kernelTestRunMany(obj, 'eth_proto_ok', [ipv4, new Uint8Array(14), new Uint8Array(2), new Uint8Array(0)]);
    expect(res.map((r) => ('retval' in r ? r.retval : r.errno))).toEqual([2, 1, 22, 22]); // PASS, DROP, EINVAL x2
  });
});
