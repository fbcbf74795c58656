// The verifier's agreement with the kernel, as `npm run conformance` prints it: ≥ 97% of our
// fixtures and of the XDP programs among the kernel's verifier selftests, and no program the
// kernel rejects that we accept. This fails until the verifier is good enough: that is the truth.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const VERIFIER = join(__dirname, '..', '..', 'server', 'src', 'core', 'verifier', 'index.ts');
const missing = !existsSync(VERIFIER);

describe('verifier conformance with the kernel', () => {
  it.skipIf(missing)(
    `agrees on ≥ 97% of fixtures and XDP selftests with 0 unsound${missing ? ' (skipped: server/src/core/verifier/index.ts does not exist yet)' : ''}`,
    async () => {
      const { runConformance, formatReport, verifierAvailable } = await import('./conformance');
      const verify = verifierAvailable();
      expect(verify, 'server/src/core/verifier/index.ts must export verify()').toBeDefined();
      const rep = await runConformance(verify!, { budgetMs: 20_000 });
      const table = formatReport(rep, true);
      console.log(table);
      expect(rep.total).toBeGreaterThanOrEqual(350);
      expect(rep.disagreements.filter((d) => d.kind === 'unsound').map((d) => `${d.program}: ${d.kernelMessage}`)).toEqual([]);
      expect((100 * rep.agree) / rep.total).toBeGreaterThanOrEqual(97);
    },
    1_800_000,
  );
});
