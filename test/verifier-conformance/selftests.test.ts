// The kernel's verifier selftests compile with clang-19 at test time and their BTF decl tags are
// read back through our loader/BTF reader into per-program expectations.
import { describe, expect, it } from 'vitest';
import { ProgType } from '../../server/src/core/program';
import { ensureKernelSource, kernelSourceMissingReason } from '../support/kernelSource';
import { kernelLoad, oracleAvailable } from '../support/oracle';
import { expectationFromTags, listVerifierSelftests, loadSelftest, type SelftestFile } from '../support/selftests';

const root = ensureKernelSource();
const oracle = oracleAvailable();

describe('selftest tags', () => {
  it('follows test_loader.c: failure/success, ordered msgs, retval, description, unpriv-only and auxiliary skipped', () => {
    const e = expectationFromTags('f', 'xdp', 6, [
      'comment:test_description=XDP pkt read, pkt_end > pkt_data', 'comment:test_expect_failure',
      'comment:test_expect_msg=12=second', 'comment:test_expect_msg=3=first', 'comment:test_retval=-22',
      'comment:test_expect_msg_unpriv=4=ignored', 'comment:test_prog_flags=BPF_F_ANY_ALIGNMENT',
    ]);
    expect(e).toMatchObject({ verdict: 'reject', msgs: ['first', 'second'], retval: -22, description: 'XDP pkt read, pkt_end > pkt_data', flags: ['BPF_F_ANY_ALIGNMENT'] });
    expect(expectationFromTags('g', 'socket', 1, [])).toMatchObject({ verdict: 'accept', msgs: [] });
    expect(expectationFromTags('h', 'socket', 1, ['comment:test_expect_failure_unpriv', 'comment:test_expect_msg_unpriv=1=x'])).toEqual({ skip: 'unprivileged-only expectations' });
    expect(expectationFromTags('i', 'xdp', 6, ['comment:test_auxiliary'])).toMatchObject({ skip: expect.stringContaining('auxiliary') });
    expect(expectationFromTags('j', 'xdp', 6, ['comment:test_expect_success', 'comment:test_arch=ARM64'])).toMatchObject({ skip: expect.stringContaining('ARM64') });
  });
});

describe(`verifier selftests from linux-source-6.12${root ? '' : ` (skipped: ${kernelSourceMissingReason})`}`, () => {
  const loaded = new Map<string, SelftestFile>();
  it.skipIf(!root)('compile with clang-19 and load with our loader', () => {
    const files = listVerifierSelftests(root!);
    const failures: string[] = [];
    let tests = 0;
    const byType: Record<string, number> = {};
    for (const f of files) {
      const r = loadSelftest(root!, f);
      if ('error' in r) {
        failures.push(`${f}: ${r.error.split('\n')[0]}`);
        continue;
      }
      loaded.set(f, r);
      tests += r.tests.length;
      for (const t of r.tests) byType[t.progType] = (byType[t.progType] ?? 0) + 1;
    }
    console.log(`selftests: ${files.length} files, ${loaded.size} loaded, ${tests} privileged tests; by prog type ${JSON.stringify(byType)}; failures: ${failures.join('; ')}`);
    expect(files.length).toBeGreaterThanOrEqual(90);
    expect(failures).toEqual([]);
    expect(tests).toBeGreaterThanOrEqual(1300);
    expect(byType[ProgType.XDP]).toBeGreaterThanOrEqual(130);
  }, 900_000);

  it.skipIf(!root)('reads verifier_xdp_direct_packet_access: 82 XDP tests, both verdicts, kernel messages', () => {
    const r = loaded.get('verifier_xdp_direct_packet_access.c') ?? loadSelftest(root!, 'verifier_xdp_direct_packet_access.c');
    if ('error' in r) throw new Error(r.error);
    expect(r.tests.length).toBe(82);
    expect(r.tests.every((t) => t.progType === ProgType.XDP)).toBe(true);
    const rejects = r.tests.filter((t) => t.verdict === 'reject');
    expect(rejects.length).toBeGreaterThan(20);
    expect(r.tests.length - rejects.length).toBeGreaterThan(20);
    expect(rejects.some((t) => t.msgs.some((m) => m.includes('R1 offset is outside of the packet')))).toBe(true);
    expect(r.tests.every((t) => t.description.startsWith('XDP pkt read'))).toBe(true);
  }, 300_000);

  it.skipIf(!root || !oracle.ok)(
    `the running kernel agrees with the tags of the XDP packet-access selftests${oracle.ok ? '' : ` (skipped: ${(oracle as { reason: string }).reason})`}`,
    () => {
      for (const f of ['verifier_xdp_direct_packet_access.c', 'verifier_meta_access.c', 'verifier_xdp.c']) {
        const r = loaded.get(f) ?? loadSelftest(root!, f);
        if ('error' in r) throw new Error(r.error);
        const kernel = new Map(kernelLoad(r.objPath).map((v) => [v.name, v]));
        for (const t of r.tests) {
          const k = kernel.get(t.name)!;
          expect(k.verdict, `${f}:${t.name}`).toBe(t.verdict);
          for (const m of t.msgs) if (k.verdict === 'reject') expect(k.log, `${f}:${t.name}`).toContain(m);
        }
      }
    },
    300_000,
  );
});
