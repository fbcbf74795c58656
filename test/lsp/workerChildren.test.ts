// A worker that is terminated (its analysis overran xdp.timeBudgetMs) must not leave a clang
// running. The real worker bundle, driven through AnalysisHost, compiles with a fake clang that
// records its pid and the pid of a `sleep 3600` it starts, then waits: the compile can only end by
// being killed. Checks that both are gone after the host answers `timeout` (waiting up to 10 s: a
// process nobody killed would still be there for an hour, so no wall-clock bound is needed).
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalysisHost } from '../../server/src/worker/host';
import { buildServer, WORKER } from './support/buildServer';

const dir = mkdtempSync(join(tmpdir(), 'xdp-children-'));
/** How long a killed `sleep 3600` may take to disappear (the host kills it at once; this is slack for a loaded machine). */
const KILLED_WITHIN_MS = 10_000;
let host: AnalysisHost;

beforeAll(async () => {
  await buildServer();
  host = new AnalysisHost({ workerPath: WORKER, env: { ...process.env, XDP_LENS_TEST_HOOKS: '1' } });
}, 120_000);
afterAll(async () => {
  await host?.dispose();
  // a failed run must not leave its hour-long sleeps behind
  for (const pid of started) if (!gone(pid)) process.kill(pid, 'SIGKILL');
});
const started: number[] = [];

/** A clang that answers the probe and then, for any compile, runs `sleep 3600` and waits for it. */
function fakeClang(name: string): { clang: string; pids: string } {
  const pids = join(dir, `${name}.pids`);
  const clang = join(dir, `${name}-clang`);
  writeFileSync(
    clang,
    `#!/bin/sh
case "$1" in
  --version) echo "clang version 14.0.6"; exit 0;;
  -print-targets) echo "    bpf        - BPF (host endian)"; exit 0;;
esac
echo "sh $$" >> ${pids}
sleep 3600 &
echo "sleep $!" >> ${pids}
wait
`,
  );
  chmodSync(clang, 0o755);
  return { clang, pids };
}

function readPids(file: string): { sh: number[]; sleep: number[] } {
  const out = { sh: [] as number[], sleep: [] as number[] };
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [kind, pid] = line.split(' ');
    if (kind === 'sh' || kind === 'sleep') out[kind].push(Number(pid));
  }
  return out;
}

/** ESRCH: the process is gone (reaped). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Not running: gone, or a zombie (killed, but its parent, this process, has not reaped it). */
function notRunning(pid: number): boolean {
  if (gone(pid)) return true;
  try {
    // /proc/PID/stat: "pid (comm) STATE ..."; comm is `sh` here, no spaces or parentheses.
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z';
  } catch {
    return true;
  }
}

async function waitFor(pred: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return pred();
}

async function analyseUntilTimeout(name: string, text: string, budgetMs: number): Promise<{ sh: number[]; sleep: number[] }> {
  const { clang, pids } = fakeClang(name);
  const file = join(dir, `${name}.bpf.c`);
  writeFileSync(file, text);
  const before = host.stats.childrenKilled;
  const reply = await host.analyze({
    uri: `file://${file}`,
    version: 1,
    file,
    target: { driver: null, kernel: null, clangPath: clang, clangArgs: [] },
    timeBudgetMs: budgetMs,
  });
  expect(reply.tag).toBe('timeout');
  const p = readPids(pids);
  started.push(...p.sh, ...p.sleep);
  // The compile and the AST read both ran the fake clang while the budget ran out.
  expect(p.sleep.length).toBeGreaterThan(0);
  expect(p.sh.length).toBe(p.sleep.length);
  expect(host.stats.childrenKilled).toBeGreaterThan(before);
  return p;
}

describe('a terminated worker leaves no clang behind', () => {
  it('a worker stuck in JavaScript while clang runs: the host kills clang and what it started', async () => {
    // The hook hangs the worker thread 400 ms into the job, so its own clang timeout can never fire.
    const p = await analyseUntilTimeout('stuck', '// xdp-lens-test-hook: hang-after 400\nint x;\n', 1500);
    expect(await waitFor(() => p.sleep.every(gone), KILLED_WITHIN_MS)).toBe(true);
    // The direct child is killed too; it may stay a zombie (only the terminated worker's event loop
    // would have reaped it), but it no longer runs.
    expect(p.sh.every(notRunning)).toBe(true);
  }, 20_000);

  it('a compile that outlives the budget (worker idle, waiting for clang): clang is gone after the timeout', async () => {
    const p = await analyseUntilTimeout('slow', 'int x;\n', 1200);
    expect(await waitFor(() => p.sleep.every(gone), KILLED_WITHIN_MS)).toBe(true);
    expect(p.sh.every(notRunning)).toBe(true);
  }, 20_000);

  it('the respawned worker still records and forgets its children: nothing is killed after a clean compile', async () => {
    const file = join(dir, 'clean.bpf.c');
    writeFileSync(file, 'int x;\n');
    const before = host.stats.childrenKilled;
    const reply = await host.analyze({
      uri: `file://${file}`,
      version: 1,
      file,
      target: { driver: null, kernel: null, clangPath: null, clangArgs: [] },
      timeBudgetMs: 30_000,
    });
    expect(reply.tag).toBe('ok');
    await host.dispose();
    expect(host.stats.childrenKilled).toBe(before);
  }, 60_000);
});
