// Bundles the four entry points with esbuild: the CLI, the language server, the analysis
// worker (its own bundle, loaded by the server with worker_threads) and the VS Code client.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
};

const entries = [
  { in: 'server/src/cli/main.ts', out: 'server/out/cli.js', bin: true },
  { in: 'server/src/lsp/main.ts', out: 'server/out/main.js', bin: true },
  { in: 'server/src/worker/worker.ts', out: 'server/out/worker.js' },
  { in: 'client/src/extension.ts', out: 'client/out/extension.js', external: ['vscode'] },
];

await Promise.all(
  entries.map(async (e) => {
    await build({
      ...common,
      entryPoints: [e.in],
      outfile: e.out,
      external: e.external ?? [],
      banner: e.bin ? { js: '#!/usr/bin/env node' } : undefined,
    });
    if (e.bin) chmodSync(e.out, 0o755);
  }),
);
