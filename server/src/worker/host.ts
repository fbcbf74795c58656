// The server's side of the analysis worker. One worker thread runs one job at a time (the
// machine this runs on may have two cores; a second concurrent clang+verifier would only make
// both slower). What must stay true:
// - per document the latest request wins: a newer request replaces a queued older one (which is
//   answered `cancelled` at once) and sets the cancel flag of a running one, which the worker and
//   the core poll;
// - a job that overruns its hard budget is answered `timeout` and the worker is terminated and
//   respawned, so a stuck analysis never takes the server with it;
// - a worker that crashes answers its running job `failed` and is respawned for the next job;
// - a worker that is terminated (timeout, crash, dispose) leaves no clang behind: the worker
//   records the process group of every child it starts in shared memory (children.ts) and the
//   host kills those groups when it ends the worker.
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { childSlots, killChildren } from './children';
import type { AnalyzeJob, AnalyzeReply, CommandJob, CommandReply, WorkerData, WorkerJob, WorkerReply } from './messages';

export interface HostOptions {
  /** The worker bundle (server/out/worker.js next to the server bundle). */
  readonly workerPath: string;
  /** Environment of the worker thread (defaults to the server's). */
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (message: string) => void;
}

export type AnalyzeRequest = Omit<AnalyzeJob, 'kind' | 'id' | 'cancel'>;
export type CommandRequest = Omit<CommandJob, 'kind' | 'id' | 'cancel'> & { readonly timeBudgetMs: number };

export interface HostStats {
  /** Jobs handed to a worker. */
  started: number;
  /** Replies per tag (queued jobs replaced by newer ones count as cancelled). */
  ok: number;
  cancelled: number;
  failed: number;
  timeout: number;
  /** Workers started (the first one included). */
  spawned: number;
  /** Child process groups killed because their worker was ended while they ran. */
  childrenKilled: number;
  /** Idle-time warm-up analyses in workers (worker/warmup.ts) that ran to the end, and that a job stopped. */
  warmupRuns: number;
  warmupsStopped: number;
}

interface Pending {
  readonly job: WorkerJob;
  /** Documents whose latest request wins; commands have none. */
  readonly uri: string | undefined;
  readonly budgetMs: number;
  readonly cancel: Int32Array;
  readonly resolve: (reply: WorkerReply) => void;
  startedAt?: number;
  timer?: NodeJS.Timeout;
}

/**
 * The worker's young generation, in MB (V8's default: 48, three 16 MB semi-spaces). Verifying
 * the firewall benchmark allocates ~19 MB of short-lived states; at the default size that meant
 * 1.8 scavenges and 6.3-6.6 ms of GC per analysis, at 96 MB 0.9 and 2.4 ms (measured in a worker,
 * 40 warm runs; 48 MB measured like the default). The space grows only as programs need it; at
 * most ~48 MB more resident memory than the default.
 */
const WORKER_YOUNG_GENERATION_MB = 96;

/**
 * The young generation a worker starts with, in MB per semi-space. V8 starts it at 1 MB and grows
 * it as scavenges find survivors, so the first analyses after a (re)spawn paid for scavenges that
 * later ones no longer need: over the first 12 firewall analyses 19 scavenges during analysis at the
 * default, 4-5 at 16 MB (measured with --trace-gc). V8 reads this flag when it sets up a new isolate's
 * heap, so setting it before starting a worker sizes that worker; the server's own isolate already
 * exists and keeps its sizing.
 */
const WORKER_MIN_SEMI_SPACE_MB = 16;

export class AnalysisHost {
  private worker: Worker | undefined;
  /** The current worker's "job posted" flag (WorkerData.posted). */
  private posted: Int32Array | undefined;
  /** Live child pids of each worker (shared with it). */
  private readonly slots = new WeakMap<Worker, Int32Array>();
  private running: Pending | undefined;
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private disposed = false;
  readonly stats: HostStats = { started: 0, ok: 0, cancelled: 0, failed: 0, timeout: 0, spawned: 0, childrenKilled: 0, warmupRuns: 0, warmupsStopped: 0 };

  constructor(private readonly opts: HostOptions) {}

  analyze(req: AnalyzeRequest): Promise<AnalyzeReply> {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const q = this.queue[i]!;
      if (q.uri === req.uri) {
        this.queue.splice(i, 1);
        this.settle(q, { id: q.job.id, tag: 'cancelled', ms: 0 });
      }
    }
    if (this.running?.uri === req.uri) Atomics.store(this.running.cancel, 0, 1);
    const sab = new SharedArrayBuffer(4);
    const job: AnalyzeJob = { ...req, kind: 'analyze', id: this.nextId++, cancel: sab };
    return this.enqueue(job, req.uri, req.timeBudgetMs, sab) as Promise<AnalyzeReply>;
  }

  command(req: CommandRequest): Promise<CommandReply> {
    const sab = new SharedArrayBuffer(4);
    const { timeBudgetMs, ...rest } = req;
    const job: CommandJob = { ...rest, kind: 'command', id: this.nextId++, cancel: sab };
    return this.enqueue(job, undefined, timeBudgetMs, sab) as Promise<CommandReply>;
  }

  /** Whether an analysis of `uri` is queued or running. */
  busyWith(uri: string): boolean {
    return this.running?.uri === uri || this.queue.some((q) => q.uri === uri);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const q of this.queue.splice(0)) this.settle(q, { id: q.job.id, tag: 'cancelled', ms: 0 });
    if (this.running) {
      Atomics.store(this.running.cancel, 0, 1);
      this.finishRunning({ id: this.running.job.id, tag: 'cancelled', ms: this.elapsed(this.running) });
    }
    const w = this.worker;
    this.worker = undefined;
    if (w) await this.end(w);
  }

  private enqueue(job: WorkerJob, uri: string | undefined, budgetMs: number, sab: SharedArrayBuffer): Promise<WorkerReply> {
    return new Promise((resolve) => {
      if (this.disposed) {
        resolve({ id: job.id, tag: 'cancelled', ms: 0 });
        return;
      }
      this.queue.push({ job, uri, budgetMs, cancel: new Int32Array(sab), resolve });
      this.pump();
    });
  }

  private pump(): void {
    if (this.running || this.disposed) return;
    const next = this.queue.shift();
    if (!next) return;
    const w = this.ensureWorker();
    this.running = next;
    next.startedAt = performance.now();
    next.timer = setTimeout(() => this.onTimeout(next), next.budgetMs);
    this.stats.started++;
    if (this.posted) Atomics.store(this.posted, 0, 1);
    w.postMessage(next.job);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const children = childSlots();
    const posted = new SharedArrayBuffer(4);
    const workerData: WorkerData = { children, posted };
    setFlagsFromString(`--min-semi-space-size=${WORKER_MIN_SEMI_SPACE_MB}`);
    const w = new Worker(this.opts.workerPath, { env: this.opts.env ?? process.env, workerData, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    this.slots.set(w, new Int32Array(children));
    this.stats.spawned++;
    w.on('message', (reply: WorkerReply) => {
      if (w !== this.worker || !this.running || reply.id !== this.running.job.id) return;
      this.finishRunning(reply);
    });
    w.on('error', (err) => {
      if (w !== this.worker) return;
      this.opts.log?.(`analysis worker crashed: ${err.stack ?? err.message}`);
      this.worker = undefined;
      void this.end(w);
      this.failRunning(`the analysis worker crashed: ${err.message}`);
    });
    w.on('exit', (code) => {
      if (w !== this.worker) return;
      this.opts.log?.(`analysis worker exited with code ${code}`);
      this.worker = undefined;
      this.killChildrenOf(w);
      this.failRunning(`the analysis worker exited unexpectedly (code ${code})`);
    });
    // The worker must not keep a finished server process alive.
    w.unref();
    this.worker = w;
    this.posted = new Int32Array(posted);
    return w;
  }

  private onTimeout(p: Pending): void {
    if (this.running !== p) return;
    const w = this.worker;
    this.worker = undefined;
    this.opts.log?.(`analysis ${p.job.id} (${p.uri ?? p.job.kind}) overran its ${p.budgetMs} ms budget; restarting the worker`);
    if (w) void this.end(w);
    this.finishRunning({ id: p.job.id, tag: 'timeout', ms: this.elapsed(p) });
  }

  /**
   * Terminates a worker and kills the process groups it still had running: once before
   * terminating (so a long clang stops now, not when the worker has wound down) and once after
   * (anything it started in between).
   */
  private async end(w: Worker): Promise<void> {
    this.killChildrenOf(w);
    try {
      await w.terminate();
    } finally {
      this.killChildrenOf(w);
    }
  }

  private killChildrenOf(w: Worker): void {
    const slots = this.slots.get(w);
    if (!slots) return;
    const killed = killChildren(slots);
    if (killed.length === 0) return;
    this.stats.childrenKilled += killed.length;
    this.opts.log?.(`killed ${killed.length} process group(s) left by the analysis worker: ${killed.join(', ')}`);
  }

  private failRunning(error: string): void {
    const p = this.running;
    if (p) this.finishRunning({ id: p.job.id, tag: 'failed', ms: this.elapsed(p), error });
    else this.pump();
  }

  private finishRunning(reply: WorkerReply): void {
    const p = this.running;
    if (!p) return;
    clearTimeout(p.timer);
    this.running = undefined;
    this.settle(p, reply);
    this.pump();
  }

  private settle(p: Pending, reply: WorkerReply): void {
    this.stats[reply.tag]++;
    if (reply.tag === 'ok' && 'result' in reply && reply.result.warmup) {
      this.stats.warmupRuns += reply.result.warmup.runs;
      this.stats.warmupsStopped += reply.result.warmup.stopped;
    }
    p.resolve(reply);
  }

  private elapsed(p: Pending): number {
    return p.startedAt === undefined ? 0 : Math.round(performance.now() - p.startedAt);
  }
}
