// `npm run conformance` entry (bundled by scripts/conformance.mjs): prints the agreement table of
// test/verifier-conformance/conformance.ts. Exit 0 only at ≥ 97% agreement with 0 unsound.
//   npm run conformance [-- --details] [-- --no-kernel] [-- filter]
import { formatReport, runConformance, verifierAvailable } from '../test/verifier-conformance/conformance';

export async function main(argv: string[]): Promise<number> {
  const verify = verifierAvailable();
  if (!verify) {
    console.error('conformance: server/src/core/verifier/index.ts does not export verify() yet; nothing to compare');
    return 2;
  }
  const rep = await runConformance(verify, {
    useKernel: !argv.includes('--no-kernel'),
    filter: argv.find((a) => !a.startsWith('--')),
  });
  console.log(formatReport(rep, argv.includes('--details')));
  const pct = rep.total ? (100 * rep.agree) / rep.total : 0;
  console.log(`\nagreement ${pct.toFixed(2)}% (target ≥ 97%), unsound ${rep.unsound} (target 0)`);
  return pct >= 97 && rep.unsound === 0 ? 0 : 1;
}
