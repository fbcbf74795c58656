// Bundles a TypeScript entry (test support code included) with esbuild into .cache/ and runs it
// in this process, so plain `node scripts/x.mjs` can use the typed test helpers.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';

export async function runTs(entry) {
  const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
  const outDir = join(root, '.cache', 'scripts');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, basename(entry).replace(/\.ts$/, '.cjs'));
  await build({
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  const require = createRequire(import.meta.url);
  const mod = require(outfile);
  return mod.main(process.argv.slice(2));
}
