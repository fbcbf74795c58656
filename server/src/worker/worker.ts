// The analysis worker thread (its own bundle, server/out/worker.js). It answers each job posted
// by host.ts with exactly one tagged reply; an exception in a job is a `failed` reply, not a dead
// thread. Only a genuine crash (or the host terminating a job that overran its budget) ends it.
import { resolve } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { lineStates } from './lineStates';
import { AnalysisCancelled, analyzeObjectDetail, hasReturnCodeFindings, placeReturnCodeFindings } from '../core/analyze';
import { runAnalyzeJob, StageCancelled, type AnalyzeStage } from './pipeline';
import { runCommandJob } from './commands';
import type { WorkerData, WorkerJob, WorkerReply } from './messages';
import { forgetChild, recordChild } from './children';
import { setSpawnObserver } from '../toolchain/runProcess';

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

port.on('message', (job: WorkerJob) => {
  void handle(job).then((reply) => {
    if (reply !== 'crashing') port.postMessage(reply);
  });
});

async function handle(job: WorkerJob): Promise<WorkerReply | 'crashing'> {
  const t0 = performance.now();
  try {
    return job.kind === 'analyze' ? await runAnalyzeJob(job, analyze) : await runCommandJob(job);
  } catch (e) {
    const err = e as Error;
    return { id: job.id, tag: 'failed', ms: Math.round(performance.now() - t0), error: err.stack ?? String(err) };
  }
}
