// The analysis worker thread (its own bundle, server/out/worker.js). It answers each job posted
// by host.ts with exactly one tagged reply; an exception in a job is a `failed` reply, not a dead
// thread. Only a genuine crash (or the host terminating a job that overran its budget) ends it.
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { lineStates } from './lineStates';
import { AnalysisCancelled, analyzeObjectDetail, hasReturnCodeFindings, placeReturnCodeFindings } from '../core/analyze';
import { runAnalyzeJob, StageCancelled, type AnalyzeStage } from './pipeline';
import { runCommandJob } from './commands';
import type { WorkerData, WorkerJob, WorkerReply } from './messages';
import { forgetChild, recordChild } from './children';
import { setSpawnObserver } from '../toolchain/runProcess';
import { Warmup } from './warmup';

/** The core's pipeline (load -> verify -> XDP analyses); cancellation becomes StageCancelled. */
const analyze: AnalyzeStage = (object, opts) => {
  try {
    const r = analyzeObjectDetail(object, opts);
    const functionNames = [...new Set(r.programs.flatMap((p) => [p.program.name, ...p.program.funcs.map((f) => f.name)]))];
    const own = resolve(opts.path);
    return {
      report: r.report,
      functionNames,
      lineStates: lineStates(r.programs, (f) => resolve(f) === own),
      ...(hasReturnCodeFindings(r) ? { placeReturns: (returns) => placeReturnCodeFindings(r, returns) } : {}),
    };
  } catch (e) {
    if (e instanceof AnalysisCancelled) throw new StageCancelled();
    throw e;
  }
};

const port = parentPort;
if (!port) throw new Error('worker.ts must run as a worker thread');

// Every clang (or other tool) this thread starts is recorded where the host can see it, so a
// worker terminated mid-compile leaves no process behind (host.ts kills the recorded groups).
const data = workerData as WorkerData | undefined;
if (data?.children) {
  const slots = new Int32Array(data.children);
  setSpawnObserver({
    spawned: (pid) => void recordChild(slots, pid),
    closed: (pid) => forgetChild(slots, pid),
  });
}

// After a long analysis, idle time re-runs it a few times so that V8 has compiled the verifier's
// hot paths before the next save (warmup.ts); only with the host's "job posted" flag to stop it.
const warm = data?.posted
  ? new Warmup<{ object: Uint8Array; path: string; driver: string | null; kernel: string | null }>(
    new Int32Array(data.posted),
    (s, cancel) => void analyze(s.object, { path: s.path, driver: s.driver, kernel: s.kernel, cancel }),
    (e) => e instanceof StageCancelled,
  )
  : undefined;

port.on('message', (job: WorkerJob) => {
  warm?.jobTaken();
  void handle(job).then((reply) => {
    if (reply === 'crashing') return;
    if (warm && job.kind === 'analyze' && reply.tag === 'ok' && 'result' in reply) {
      const r = reply.result;
      const insns = r.report.programs.reduce((n, p) => n + (p.stats?.processedInsns ?? 0), 0);
      if (r.object) warm.offer({ object: r.object, path: job.file, driver: job.target.driver, kernel: job.target.kernel }, insns);
      port.postMessage({ ...reply, result: { ...r, warmup: warm.take() } });
    } else {
      port.postMessage(reply);
    }
    if (job.kind === 'analyze') setImmediate(idle);
  });
});

/** Idle work after an analysis: warm-up runs while no job waits, then a young-generation collection. */
function idle(): void {
  if (warm?.step()) {
    setImmediate(idle);
    return;
  }
  if (!warm?.jobWaiting()) idleScavenge();
}

/**
 * A young-generation collection while the worker waits for the next save. An analysis leaves
 * its short-lived states in the young generation; collected now (nothing of them is live any
 * more, so it costs about a millisecond), the next analysis starts with an empty one and runs
 * without scavenges that would copy its own live states. Measured on the firewall benchmark in
 * a worker, interleaved: verify median 55-57 ms -> 42-48 ms, GC inside it 3.6-4 ms -> 0; through
 * the LSP bench the worker's analysis median moved less (52-60 -> 48-57 ms, three A/B pairs). A
 * full collection instead made it slower (63-75 ms). Without V8's gc() (see minorGc) nothing is done.
 */
function idleScavenge(): void {
  minorGc?.({ type: 'minor' });
}

/** V8's gc(), exposed to a throwaway context only: `--expose-gc` takes effect for new contexts. */
const minorGc: ((opts: { type: 'minor' }) => void) | undefined = (() => {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as (opts: { type: 'minor' }) => void) : undefined;
  } catch {
    return undefined;
  }
})();

async function handle(job: WorkerJob): Promise<WorkerReply | 'crashing'> {
  const t0 = performance.now();
  try {
    return job.kind === 'analyze' ? await runAnalyzeJob(job, analyze) : await runCommandJob(job);
  } catch (e) {
    const err = e as Error;
    return { id: job.id, tag: 'failed', ms: Math.round(performance.now() - t0), error: err.stack ?? String(err) };
  }
}
