// The domain against the running kernel (root only): random programs over two unknown scalars, every
// printed register state compared with Scalar.toString. Needs root to load BPF programs and gcc.

import { describe, expect, it } from 'vitest';
import { isRoot } from '../../../support/kernelSource';
import { Rng } from './gen';
import { compare, genCase, runKernel } from './kernelDiff';

describe('scalar domain vs the running kernel (verifier log level 2)', () => {
  // Needs root (BPF_PROG_LOAD) and gcc; without them the kernel cannot be asked.
  it.skipIf(!isRoot)('register states after every ALU op and on both branch edges match the kernel', () => {
    const r = new Rng(Number(process.env.KDIFF_SEED ?? 0xd1ff));
    const cases = Array.from({ length: Number(process.env.KDIFF_CASES ?? 1500) }, () => genCase(r, Number(process.env.KDIFF_STEPS ?? 10)));
    const logs = runKernel(cases);
    const { mismatches, compared, failedLoads } = compare(cases, logs);
    const show = mismatches.slice(0, 12).map((m) =>
      `case ${m.case} insn ${m.insn} R${m.reg} (${m.edge})\n ours:   ${m.ours}\n kernel: ${m.kernel}\n${cases[m.case]!.listing}`);
    if (process.env.KDIFF_VERBOSE) console.log(show.join('\n\n'), `\ncompared ${compared}, mismatches ${mismatches.length}, failed loads ${failedLoads.length}`);
    expect(failedLoads.map((n) => logs[n]!.raw.slice(-400))).toEqual([]);
    expect(compared).toBeGreaterThan(5000);
    expect(show).toEqual([]);
  });
});
