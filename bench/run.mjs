// `npm run bench [-- FILTER]`: bundles each bench/*.bench.ts with esbuild (ESM, node platform) into
// .cache/bench and runs them one after another in a child `node --expose-gc`, streaming output.
// A bench is a plain script that prints its figures; a non-zero exit fails the run.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, '.cache', 'bench');
const filter = process.argv[2];

const benches = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
  .sort();
if (benches.length === 0) {
  console.error(`bench: no bench/*.bench.ts${filter ? ` matching '${filter}'` : ''}`);
  process.exit(2);
}

// ESM bundles have no require, __dirname or __filename. Give them require, and give every source
// module that mentions __dirname/__filename its own (its location in the repo, not the bundle's).
const cjsGlobals = {
  name: 'cjs-globals',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!/\b__(dirname|filename)\b/.test(text) || args.path.includes('node_modules')) return undefined;
      const head = `const __filename = ${JSON.stringify(args.path)}; const __dirname = ${JSON.stringify(dirname(args.path))};\n`;
      return { contents: head + text, loader: 'ts' };
    });
  },
};

await build({
  entryPoints: benches.map((f) => join(root, 'bench', f)),
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  banner: { js: "import { createRequire as __xdpCreateRequire } from 'node:module'; const require = __xdpCreateRequire(import.meta.url);" },
  plugins: [cjsGlobals],
  logLevel: 'warning',
});

let failed = 0;
for (const f of benches) {
  const out = join(outdir, f.replace(/\.ts$/, '.mjs'));
  console.log(`\n== ${f} ==`);
  const code = await new Promise((res) => {
    const child = spawn(process.execPath, ['--expose-gc', out], { stdio: 'inherit', cwd: root });
    child.on('close', (c, sig) => res(c ?? (sig ? 1 : 0)));
  });
  if (code !== 0) {
    console.error(`bench: ${f} exited with ${code}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
