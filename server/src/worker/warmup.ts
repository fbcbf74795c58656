// Idle-time warm-up of a fresh worker. V8 compiles the verifier's hot paths over its first runs:
// in a new worker the firewall benchmark's analysis took ~250 ms on the first save, ~120 ms on the
// second and reached its steady ~30 ms only after about eight (measured through AnalysisHost).
// So after a long (but not very long) analysis, while no job waits, the worker analyses the same
// object again, a bounded number of times in its life, and throws the results away. A job posted
// meanwhile stops the run in progress at once: the host raises a shared "job posted" flag before
// posting, and the warm-up analysis polls it as its cancel flag (as the core polls a job's own flag).

/**
 * Which analyses are worth repeating, by the instructions the verifier processed (machine-independent,
 * unlike times): below the minimum a program is small and the JIT's state matters little (the
 * bench's small program: 1-2 ms); above the maximum one run is itself a warm-up (it executes the hot
 * paths hundreds of thousands of times) and repeating it would keep a core busy for seconds. The
 * firewall benchmark processes ~38k.
 */
export const WARM_MIN_INSNS = 5_000;
export const WARM_MAX_INSNS = 250_000;
/** Warm-up analyses in one worker's life. */
export const WARM_RUNS = 8;

export interface WarmupCounts {
  /** Warm-up analyses that ran to the end. */
  readonly runs: number;
  /** Warm-up analyses stopped because a job was posted. */
  readonly stopped: number;
}

/** One warm-up analysis of `subject`; throws when the flag stops it (the error `isCancel` recognises). */
export type WarmupRun<T> = (subject: T, cancel: Int32Array) => void;

export class Warmup<T> {
  private left = WARM_RUNS;
  private subject: T | undefined;
  private runs = 0;
  private stopped = 0;

  /** `posted`: the host's "job posted" flag (non-zero from posting until the worker takes the job). */
  constructor(
    private readonly posted: Int32Array,
    private readonly run: WarmupRun<T>,
    private readonly isCancel: (e: unknown) => boolean,
  ) {}

  /** After an analysis whose verifier processed `insns` instructions: its subject is what idle time warms up with, if that was worth it. */
  offer(subject: T, insns: number): void {
    if (this.left > 0 && insns >= WARM_MIN_INSNS && insns <= WARM_MAX_INSNS) this.subject = subject;
  }

  /** Whether a job is waiting (the worker must return to its event loop to take it). */
  jobWaiting(): boolean {
    return Atomics.load(this.posted, 0) !== 0;
  }

  /** A job was taken: the flag goes down. */
  jobTaken(): void {
    Atomics.store(this.posted, 0, 0);
  }

  /** Runs one warm-up analysis if one is due and no job waits; true when another may follow. */
  step(): boolean {
    const subject = this.subject;
    if (subject === undefined || this.left <= 0 || this.jobWaiting()) return false;
    try {
      this.run(subject, this.posted);
    } catch (e) {
      if (!this.isCancel(e)) {
        // a subject the analysis fails on is no good for warming up
        this.subject = undefined;
        return false;
      }
      this.stopped++;
      return false;
    }
    this.runs++;
    if (--this.left === 0) this.subject = undefined;
    return this.left > 0;
  }

  /** Counts since the last call (reported with the next reply). */
  take(): WarmupCounts {
    const c = { runs: this.runs, stopped: this.stopped };
    this.runs = 0;
    this.stopped = 0;
    return c;
  }
}
