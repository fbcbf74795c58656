// Records the running kernel's verdict for every verifier fixture into
// test/fixtures/verifier/kernel-verdicts.json (root). `--check` only compares.
import { runTs } from './runTs.mjs';

process.exitCode = await runTs('scripts/record-kernel-verdicts.ts');
