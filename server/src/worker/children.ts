// The process groups an analysis worker has running, in memory the host can read. The worker
// runs clang through toolchain/runProcess (each child leads its own process group); when the host
// terminates a worker that overran its budget, the worker's own timers and abort handlers never
// run, so the host must kill those groups itself. Shared memory rather than messages: a worker
// stuck in synchronous code cannot post anything, and a message posted just before termination
// may never be delivered; the slots are always current.
//
// Layout: Int32Array over a SharedArrayBuffer, CHILD_SLOTS entries, 0 = free, otherwise a pid.

export const CHILD_SLOTS = 64;

export function childSlots(): SharedArrayBuffer {
  return new SharedArrayBuffer(CHILD_SLOTS * 4);
}

/** Worker side: records a started child; false when every slot is taken (the pid is not tracked). */
export function recordChild(slots: Int32Array, pid: number): boolean {
  for (let i = 0; i < slots.length; i++) {
    if (Atomics.compareExchange(slots, i, 0, pid) === 0) return true;
  }
  return false;
}

/** Worker side: forgets a child whose stdio closed (it and everything holding its pipes are gone). */
export function forgetChild(slots: Int32Array, pid: number): void {
  for (let i = 0; i < slots.length; i++) {
    if (Atomics.compareExchange(slots, i, pid, 0) === pid) return;
  }
}

/**
 * Host side: SIGKILLs the process group of every recorded child (falling back to the pid alone)
 * and clears the slots. Returns the pids it signalled.
 */
export function killChildren(slots: Int32Array): number[] {
  const killed: number[] = [];
  for (let i = 0; i < slots.length; i++) {
    const pid = Atomics.exchange(slots, i, 0);
    if (pid <= 0) continue;
    try {
      process.kill(-pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      try {
        process.kill(pid, 'SIGKILL');
        killed.push(pid);
      } catch {
        // Already gone.
      }
    }
  }
  return killed;
}
