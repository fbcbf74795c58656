// Language server latency, measured over stdio against the bundled server like an editor sees it:
//  - save -> diagnostics published, for a small program and for the large verifier benchmark
//    program (the largest bench/**/*.c, when issue 3's program has landed), next to clang's own
//    compile time for the same file (the analysis overhead is the difference);
//  - hover latency while a long analysis runs (test/fixtures/verifier/complexity.c explores up to
//    the 1M-instruction limit in the worker; hovers are answered on the main thread meanwhile).
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { compile } from '../server/src/toolchain';
import { LspTestClient } from '../test/lsp/support/lspClient';

const ROOT = process.cwd();
/** Built by `npm run build`, which `npm run bench` runs first. */
const SERVER_MAIN = join(ROOT, 'server', 'out', 'main.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 25);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

function cFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? cFiles(p) : n.endsWith('.c') ? [p] : [];
  });
}

async function saveLatency(client: LspTestClient, src: string): Promise<{ save: number[]; clang: number[]; analysis: number[]; workerClang: number[]; workerAnalysis: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'xdp-bench-'));
  const file = join(dir, basename(src));
  copyFileSync(src, file);
  for (const h of readdirSync(join(src, '..')).filter((n) => n.endsWith('.h'))) copyFileSync(join(src, '..', h), join(dir, h));
  const text = readFileSync(file, 'utf8');
  const uri = client.open(file);
  await client.diagnosticsFor(uri, 1, 0, 120_000);
  const save: number[] = [];
  const analysis: number[] = [];
  const clang: number[] = [];
  const workerClang: number[] = [];
  const workerAnalysis: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // clang's own time is measured in the same round, just before the save, so that drifts in
    // machine load affect both figures alike.
    clang.push((await compile({ file })).ms);
    const next = `${text}\n// bench round ${i}\n`;
    writeFileSync(file, next);
    const since = client.published.length;
    const v = client.change(uri, next);
    const t0 = performance.now();
    client.save(uri);
    const pub = await client.diagnosticsFor(uri, v, since, 120_000);
    save.push(pub.at - t0);
    const st = [...client.statuses].reverse().find((s) => s.uri === uri && s.version === v && s.state !== 'analyzing');
    if (st?.ms !== undefined) analysis.push(st.ms);
    if (st?.compileMs !== undefined) workerClang.push(st.compileMs);
    if (st?.analyzeMs !== undefined) workerAnalysis.push(st.analyzeMs);
  }
  client.close(uri);
  return { save, clang, analysis, workerClang, workerAnalysis };
}

async function hoverDuringLongAnalysis(client: LspTestClient): Promise<{ hovers: number[]; analysisRunning: boolean } | undefined> {
  const long = join(ROOT, 'test', 'fixtures', 'verifier', 'complexity.c');
  const small = join(ROOT, 'examples', 'xdp_parse_clean.c');
  if (!existsSync(long) || !existsSync(small)) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'xdp-bench-'));
  copyFileSync(small, join(dir, 'small.c'));
  const suri = client.open(join(dir, 'small.c'));
  await client.diagnosticsFor(suri, 1, 0, 60_000);
  for (const n of readdirSync(join(long, '..')).filter((x) => x.endsWith('.h') || x === 'complexity.c')) copyFileSync(join(long, '..', n), join(dir, n));
  const luri = client.open(join(dir, 'complexity.c'));
  await client.until('long analysis start', () => client.statuses.find((s) => s.uri === luri && s.state === 'analyzing'), 30_000);
  const line = readFileSync(small, 'utf8').split('\n').findIndex((l) => l.includes('bpf_map_lookup_elem'));
  const hovers: number[] = [];
  let finishedEarly = false;
  for (let i = 0; i < 40; i++) {
    if (client.latest(luri)) finishedEarly = true;
    const t0 = performance.now();
    await client.hover(suri, line, 30);
    hovers.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  const analysisRunning = !finishedEarly && !client.latest(luri);
  await client.diagnosticsFor(luri, 1, 0, 120_000);
  return { hovers, analysisRunning };
}

async function main(): Promise<void> {
  if (!existsSync(SERVER_MAIN)) throw new Error(`${SERVER_MAIN} is missing: run npm run build`);
  const child = spawn(process.execPath, [SERVER_MAIN, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const client = new LspTestClient(child.stdout!, child.stdin!);
  await client.initialize();
  const fmt = (x: number): string => x.toFixed(1).padStart(8);
  console.log(`save -> diagnostics over stdio, ${ROUNDS} saves each (ms, medians unless marked; worker: the worker's own time, = its clang + its analysis; clang: clang alone, timed in the same round)`);
  console.log(`${'program'.padEnd(34)} ${'median'.padStart(8)} ${'p95'.padStart(8)} ${'worker'.padStart(8)} ${'w.clang'.padStart(8)} ${'w.anal.'.padStart(8)} ${'clang'.padStart(8)} ${'overhead'.padStart(9)}`);
  const large = cFiles(join(ROOT, 'bench')).sort((a, b) => statSync(b).size - statSync(a).size)[0];
  const programs = [join(ROOT, 'examples', 'xdp_parse_clean.c'), ...(large ? [large] : [])];
  for (const p of programs) {
    const r = await saveLatency(client, p);
    const med = pct(r.save, 50);
    const clangMed = pct(r.clang, 50);
    const m = (xs: number[]) => (xs.length ? pct(xs, 50) : NaN);
    console.log(`${basename(p).padEnd(34)} ${fmt(med)} ${fmt(pct(r.save, 95))} ${fmt(m(r.analysis))} ${fmt(m(r.workerClang))} ${fmt(m(r.workerAnalysis))} ${fmt(clangMed)} ${`${(((med - clangMed) / clangMed) * 100).toFixed(0)}%`.padStart(9)}`);
  }
  if (!large) console.log('large verifier benchmark program: no bench/**/*.c yet (issue 3 writes it); only the small program was measured');
  const h = await hoverDuringLongAnalysis(client);
  if (h) {
    console.log(`hover during a long analysis (complexity.c, ${h.analysisRunning ? 'analysis running throughout' : 'analysis finished before the last hover'}): median ${pct(h.hovers, 50).toFixed(2)} ms, p95 ${pct(h.hovers, 95).toFixed(2)} ms, max ${Math.max(...h.hovers).toFixed(2)} ms (target < 50 ms)`);
  }
  await client.shutdown();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
