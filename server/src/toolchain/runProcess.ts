// Runs an external tool with a hard deadline. The child gets its own process group so a timeout
// kills everything it started (a wrapper script's `sleep`, a clang driver's cc1), not just the
// direct child: otherwise an orphan holding our pipes would keep us waiting past the deadline.
import { spawn } from 'node:child_process';

export interface RunOptions {
  readonly cwd?: string;
  readonly stdin?: string | Uint8Array;
  readonly timeoutMs: number;
  /** Aborting kills the process group and resolves at once with `cancelled`. */
  readonly signal?: AbortSignal;
}

export interface RunResult {
  /** Exit code, or null when killed by a signal (including our timeout) or never started. */
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly cancelled?: boolean;
  /** Set when the process could not be started at all (ENOENT, EACCES, ...). */
  readonly spawnError?: NodeJS.ErrnoException;
}

/**
 * Told about every child this module starts (its pid, which is also its process group id) and,
 * once its stdio has closed, that it is gone. The analysis worker uses it to tell its host which
 * process groups to kill if the worker is terminated while a child still runs. One observer per
 * thread (module instance); none by default, which changes nothing for other callers.
 */
export interface SpawnObserver {
  spawned(pid: number): void;
  closed(pid: number): void;
}

let spawnObserver: SpawnObserver | undefined;

export function setSpawnObserver(o: SpawnObserver | undefined): void {
  spawnObserver = o;
}

export function runProcess(command: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve) => {
    if (opts.signal?.aborted) {
      resolve({ code: null, stdout: Buffer.alloc(0), stderr: '', timedOut: false, cancelled: true });
      return;
    }
    let child;
    try {
      child = spawn(command, args, { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    } catch (e) {
      resolve({ code: null, stdout: Buffer.alloc(0), stderr: '', timedOut: false, spawnError: e as NodeJS.ErrnoException });
      return;
    }
    const pid = child.pid;
    const observer = spawnObserver;
    if (pid !== undefined) observer?.spawned(pid);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    const finish = (r: RunResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
      // Do not wait for 'close': a grandchild may still hold the pipes until it is reaped.
      finish({ code: null, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), timedOut: true });
    }, opts.timeoutMs);
    const onAbort = (): void => {
      killGroup(child.pid);
      finish({ code: null, stdout: Buffer.alloc(0), stderr: '', timedOut: false, cancelled: true });
    };
    opts.signal?.addEventListener('abort', onAbort);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish({ code: null, stdout: Buffer.alloc(0), stderr: '', timedOut: false, spawnError: e });
    });
    child.on('close', (code) => {
      if (pid !== undefined) observer?.closed(pid);
      finish({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
    // A child that exits without reading stdin makes the write fail with EPIPE; that is not our error.
    child.stdin.on('error', () => undefined);
    if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
    else child.stdin.end();
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
