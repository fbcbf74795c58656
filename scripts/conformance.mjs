// `npm run conformance`: our verifier against the kernel on our fixtures and the kernel's
// verifier selftests (see scripts/conformance.ts). Exit 0 only at ≥ 97% agreement, 0 unsound.
import { runTs } from './runTs.mjs';

process.exitCode = await runTs('scripts/conformance.ts', ['server/src/core/verifier/index.ts']);
