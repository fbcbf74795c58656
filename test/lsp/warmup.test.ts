// Idle-time warm-up of the analysis worker (server/src/worker/warmup.ts): after a long analysis
// the worker re-analyses the same object while no job waits, a bounded number of times, and a job
// posted meanwhile stops the warm-up run at once.
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalysisHost } from '../../server/src/worker/host';
import type { AnalyzeReply } from '../../server/src/worker/messages';
import { Warmup, WARM_MAX_INSNS, WARM_MIN_INSNS, WARM_RUNS } from '../../server/src/worker/warmup';
import { buildServer, WORKER } from './support/buildServer';

class Stop extends Error {}

describe('Warmup', () => {
  const setup = (onRun: (cancel: Int32Array) => void = () => {}) => {
    const posted = new Int32Array(new SharedArrayBuffer(4));
    const subjects: string[] = [];
    const w = new Warmup<string>(posted, (s, cancel) => {
      subjects.push(s);
      onRun(cancel);
    }, (e) => e instanceof Stop);
    return { posted, subjects, w };
  };

  it('warms up only after a long analysis, and at most WARM_RUNS times in a worker\'s life', () => {
    const { subjects, w } = setup();
    w.offer('small', WARM_MIN_INSNS - 1);
    expect(w.step()).toBe(false);
    // a very long analysis warmed the JIT by itself; repeating it would keep a core busy
    w.offer('huge', WARM_MAX_INSNS + 1);
    expect(w.step()).toBe(false);
    w.offer('large', WARM_MIN_INSNS);
    let steps = 0;
    while (w.step()) steps++;
    expect(subjects).toEqual(new Array(WARM_RUNS).fill('large'));
    expect(steps).toBe(WARM_RUNS - 1);
    // a later long analysis finds no runs left
    w.offer('later', WARM_MIN_INSNS);
    expect(w.step()).toBe(false);
    expect(w.take()).toEqual({ runs: WARM_RUNS, stopped: 0 });
    expect(w.take()).toEqual({ runs: 0, stopped: 0 });
  });

  it('does not start while a job waits, and counts a run a posted job stopped', () => {
    const { posted, subjects, w } = setup((cancel) => {
      // the host posts a job during this run: the analysis sees its cancel flag rise
      Atomics.store(posted, 0, 1);
      if (Atomics.load(cancel, 0) !== 0) throw new Stop();
    });
    w.offer('large', WARM_MIN_INSNS);
    expect(w.step()).toBe(false);
    expect(w.take()).toEqual({ runs: 0, stopped: 1 });
    expect(w.jobWaiting()).toBe(true);
    expect(w.step()).toBe(false);
    expect(subjects).toHaveLength(1);
    w.jobTaken();
    expect(w.jobWaiting()).toBe(false);
  });

  it('drops a subject the analysis fails on', () => {
    const { subjects, w } = setup(() => {
      throw new Error('broken object');
    });
    w.offer('bad', WARM_MIN_INSNS);
    expect(w.step()).toBe(false);
    expect(w.step()).toBe(false);
    expect(subjects).toEqual(['bad']);
    expect(w.take()).toEqual({ runs: 0, stopped: 0 });
  });
});

describe('warm-up in the real worker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xdp-warmup-'));
  let host: AnalysisHost;
  beforeAll(async () => {
    await buildServer();
    host = new AnalysisHost({ workerPath: WORKER });
  }, 120_000);
  afterAll(async () => {
    await host?.dispose();
  });

  it('re-analyses a long program in idle time, boundedly, without changing the next answers', async () => {
    const file = join(dir, 'xdp_firewall.c');
    copyFileSync(join(__dirname, '..', '..', 'bench', 'programs', 'xdp_firewall.c'), file);
    const job = (version: number) => host.analyze({
      uri: `file://${file}`, version, file, target: { driver: null, kernel: null, clangPath: null, clangArgs: [] }, timeBudgetMs: 60_000,
    });
    const first = await job(1);
    expect(first.tag).toBe('ok');
    if (first.tag !== 'ok') return;
    // the firewall is the kind of program worth warming up for
    const insns = first.result.report.programs[0]!.stats!.processedInsns;
    expect(insns).toBeGreaterThanOrEqual(WARM_MIN_INSNS);
    expect(insns).toBeLessThanOrEqual(WARM_MAX_INSNS);
    // idle: the warm-up runs (a few hundred ms on a cold worker, all of them well within 3 s)
    await new Promise((r) => setTimeout(r, 3000));
    const second = await job(2);
    expect(host.stats.warmupRuns + host.stats.warmupsStopped).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 3000));
    const third = await job(3);
    // bounded: never more than WARM_RUNS in the worker's life, however long it idles
    expect(host.stats.warmupRuns).toBeGreaterThan(0);
    expect(host.stats.warmupRuns).toBeLessThanOrEqual(WARM_RUNS);
    // warming up leaves the answers alone
    const gist = (r: AnalyzeReply) => (r.tag === 'ok' ? r.result.report.programs.map((p) => [p.name, p.verdict, p.stats?.processedInsns, p.findings]) : r.tag);
    expect(gist(second)).toEqual(gist(first));
    expect(gist(third)).toEqual(gist(first));
  }, 120_000);
});
