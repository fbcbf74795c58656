// The kernel's verifier selftests (linux-source-6.12, compiled with clang-19 at test time) that carry
// `__retval` and are XDP programs the test expects to load: the emulator must return that value on
// the input test_loader.c gives them (TEST_DATA_LEN = 64 zero bytes), on both tiers; and, as root,
// agree with the running kernel's BPF_PROG_TEST_RUN on 20 generated packets each.
import { describe, expect, it } from 'vitest';
import { createMaps, run } from '../../server/src/core/emulator/index';
import { ProgType } from '../../server/src/core/program';
import { ensureKernelSource, isRoot, kernelSourceMissingReason } from '../support/kernelSource';
import { kernelLoad, kernelTestRun, oracleAvailable } from '../support/oracle';
import { listVerifierSelftests, loadSelftest } from '../support/selftests';
import { generatePackets } from './packets';

const root = ensureKernelSource();
/** test_loader.c: POINTER_VALUE means "any value" (the program returns a pointer). */
const POINTER_VALUE = 0xcafe4a;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe(`selftests with __retval${root ? '' : ` (skipped: ${kernelSourceMissingReason})`}`, () => {
  it.skipIf(!root)('emulator returns __retval on 64 zero bytes; agrees with the kernel on 20 packets (root)', () => {
    const oracle = isRoot ? oracleAvailable() : { ok: false as const, reason: 'not root' };
    const bad: string[] = [];
    let checked = 0, kernelCompared = 0;
    for (const f of listVerifierSelftests(root!)) {
      const st = loadSelftest(root!, f);
      if ('error' in st) continue; // compile failures are the verifier-conformance suite's business
      const cases = st.tests.filter((t) => t.progType === ProgType.XDP && t.verdict === 'accept' && t.retval !== undefined);
      if (cases.length === 0) continue;
      const accepted = oracle.ok ? new Set(kernelLoad(st.objPath).filter((v) => v.verdict === 'accept').map((v) => v.name)) : undefined;
      for (const t of cases) {
        const prog = st.object.programs.find((p) => p.name === t.name)!;
        for (const tier of ['interp', 'jit'] as const) {
          const r = run(prog, st.object, { packet: new Uint8Array(64), maps: createMaps(st.object), tier });
          checked++;
          if (r.faults.length) bad.push(`${f}:${t.name} [${tier}]: ${r.faults[0].message}`);
          else if (t.retval !== POINTER_VALUE && (r.retval | 0) !== t.retval) bad.push(`${f}:${t.name} [${tier}]: retval ${r.retval | 0}, __retval ${t.retval}`);
        }
        if (!accepted?.has(t.name)) continue;
        for (const pk of generatePackets(t.name.length * 131 + 7, 20)) {
          const k = kernelTestRun(st.objPath, t.name, pk.bytes, 1);
          const r = run(prog, st.object, { packet: pk.bytes, maps: createMaps(st.object), tier: 'jit', mtu: 65536 });
          kernelCompared++;
          if (t.retval === POINTER_VALUE) continue;
          if (r.retval !== k.retval || hex(r.packet) !== hex(k.dataOut)) bad.push(`${f}:${t.name} ${pk.name}: emulator ${r.retval}/${r.packet.length}B vs kernel ${k.retval}/${k.dataOut.length}B${r.faults.length ? ` (${r.faults[0].message})` : ''}`);
        }
      }
    }
    console.log(`selftests with __retval: ${checked / 2} XDP programs on both tiers, ${kernelCompared} kernel comparisons, ${bad.length} problems`);
    expect(checked).toBeGreaterThan(0);
    expect(bad).toEqual([]);
  }, 1_200_000);
});
