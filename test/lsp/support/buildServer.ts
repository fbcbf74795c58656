// Builds the language server and worker bundles (server/out/main.js, server/out/worker.js) the
// way scripts/build.mjs does, for tests that run them. Each build goes to a private directory
// first and is renamed into place, so test files building in parallel never see half a file.
import { build } from 'esbuild';
import { mkdirSync, renameSync, rmSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');
export const SERVER_MAIN = join(ROOT, 'server', 'out', 'main.js');
export const WORKER = join(ROOT, 'server', 'out', 'worker.js');

let built: Promise<void> | undefined;

export function buildServer(): Promise<void> {
  built ??= (async () => {
    const tmp = join(ROOT, 'server', 'out', `.build-${process.pid}-${Date.now()}`);
    mkdirSync(tmp, { recursive: true });
    const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning' } as const;
    await Promise.all([
      build({ ...common, entryPoints: [join(ROOT, 'server/src/lsp/main.ts')], outfile: join(tmp, 'main.js'), banner: { js: '#!/usr/bin/env node' } }),
      build({ ...common, entryPoints: [join(ROOT, 'server/src/worker/worker.ts')], outfile: join(tmp, 'worker.js') }),
    ]);
    for (const f of ['main.js', 'main.js.map', 'worker.js', 'worker.js.map']) renameSync(join(tmp, f), join(ROOT, 'server', 'out', f));
    chmodSync(SERVER_MAIN, 0o755);
    rmSync(tmp, { recursive: true, force: true });
  })();
  return built;
}
