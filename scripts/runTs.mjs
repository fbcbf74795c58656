// Bundles a TypeScript entry (test support code included) with esbuild into .cache/scripts/ and
// runs its exported main(argv) in this process, so plain `node scripts/x.mjs` can use the typed
// test helpers. `optional` lists repository files that may not exist yet (another helper is
// writing them): a missing one is bundled as an empty module and the entry checks its exports.
import { build } from 'esbuild';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

export async function runTs(entry, optional = []) {
  const outDir = join(root, '.cache', 'scripts');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, basename(entry).replace(/\.ts$/, '.cjs'));
  const missing = optional.filter((f) => !existsSync(join(root, f)));
  const stub = {
    name: 'optional-modules',
    setup(b) {
      for (const f of missing) {
        const base = f.replace(/\.ts$/, '').replace(/\/index$/, '');
        const filter = new RegExp(`${base.split('/').slice(-2).join('/').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(/index)?(\\.ts)?$`);
        b.onResolve({ filter }, () => ({ path: f, namespace: 'optional-missing' }));
      }
      b.onLoad({ filter: /.*/, namespace: 'optional-missing' }, () => ({ contents: 'export {};', loader: 'js' }));
    },
  };
  await build({
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    logLevel: 'warning',
    plugins: [stub],
  });
  const require = createRequire(import.meta.url);
  const mod = require(outfile);
  return await mod.main(process.argv.slice(2));
}
