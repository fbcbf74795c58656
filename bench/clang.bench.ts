// How long clang takes to build the bundled examples (file and stdin forms), the yardstick the
// loader and analyses are compared against: they must take well under a compile.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compile, findClang, isClangInfo } from '../server/src/toolchain';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const examples = join(process.cwd(), 'examples');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const clang = await findClang();
  if (!isClangInfo(clang)) {
    console.log(`clang bench skipped: ${clang.finding.message}`);
    return;
  }
  console.log(`${clang.text} (${clang.path}), ${ROUNDS} rounds after one warm-up, ms`);
  console.log(`${'example'.padEnd(34)} ${'file med'.padStart(9)} ${'min'.padStart(7)} ${'stdin med'.padStart(10)} ${'object B'.padStart(9)}`);
  for (const name of readdirSync(examples).filter((f) => f.endsWith('.c')).sort()) {
    const file = join(examples, name);
    const text = readFileSync(file, 'utf8');
    const warm = await compile({ file });
    if (!warm.ok) throw new Error(`${name} does not compile: ${warm.problems.map((p) => p.message).join('; ')}`);
    const fileMs: number[] = [];
    const stdinMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      fileMs.push((await compile({ file })).ms);
      stdinMs.push((await compile({ file, text })).ms);
    }
    console.log(
      `${name.padEnd(34)} ${median(fileMs).toFixed(1).padStart(9)} ${Math.min(...fileMs).toFixed(1).padStart(7)} ${median(stdinMs).toFixed(1).padStart(10)} ${String(warm.object!.length).padStart(9)}`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
