// TEST-ONLY hooks. They do nothing unless the worker runs with XDP_LENS_TEST_HOOKS=1, which only
// the test suites and the benchmark set. With it set, a comment in the analysed text
//     // xdp-lens-test-hook: spin 3000     -> a slow analysis that polls the cancel flag (as the core does)
//     // xdp-lens-test-hook: hang          -> a stuck analysis that never polls (only the hard budget ends it)
//     // xdp-lens-test-hook: crash         -> the worker thread dies with an uncaught error
//     // xdp-lens-test-hook: hang-after 500 -> the analysis goes on (clang starts), and 500 ms later the
//                                            thread hangs without polling: only the host's budget ends
//                                            it, while clang still runs (its own timers never fire)
// lets protocol tests exercise cancellation, the time budget and crash recovery against the real
// worker without a pathological C program.
import { readFileSync } from 'node:fs';

export type TestHook = { kind: 'spin'; ms: number } | { kind: 'hang' } | { kind: 'crash' } | { kind: 'hangAfter'; ms: number };

export function testHooksEnabled(): boolean {
  return process.env.XDP_LENS_TEST_HOOKS === '1';
}

export function findTestHook(file: string, text: string | undefined): TestHook | undefined {
  if (!testHooksEnabled()) return undefined;
  let src = text;
  if (src === undefined) {
    try {
      src = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  }
  const m = /xdp-lens-test-hook: (spin (\d+)|hang-after (\d+)|hang|crash)/.exec(src);
  if (!m) return undefined;
  if (m[3] !== undefined) return { kind: 'hangAfter', ms: Number(m[3]) };
  if (m[1] === 'hang') return { kind: 'hang' };
  if (m[1] === 'crash') return { kind: 'crash' };
  return { kind: 'spin', ms: Number(m[2]) };
}

/** Runs the hook on this thread. Returns 'cancelled' when a cooperative spin saw the flag. */
export function runTestHook(hook: TestHook, cancel: Int32Array): 'done' | 'cancelled' | 'crashing' {
  if (hook.kind === 'crash') {
    // Thrown from a timer so it escapes every try/catch: a genuine uncaught error in the worker.
    // The caller must not answer the job after this ('crashing').
    setTimeout(() => {
      throw new Error('xdp-lens-test-hook: crash');
    }, 0);
    return 'crashing';
  }
  if (hook.kind === 'hangAfter') {
    // From a timer, so the job carries on (and starts clang) before the thread stops answering.
    setTimeout(() => runTestHook({ kind: 'hang' }, cancel), hook.ms);
    return 'done';
  }
  const until = hook.kind === 'hang' ? Infinity : performance.now() + hook.ms;
  let n = 0;
  while (performance.now() < until) {
    // Poll every 4096 iterations, the way the verifier polls between instructions.
    if (hook.kind === 'spin' && (++n & 4095) === 0 && Atomics.load(cancel, 0) !== 0) return 'cancelled';
  }
  return 'done';
}
