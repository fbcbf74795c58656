// The protocol between the language server (host.ts) and the analysis worker (worker.ts).
// Replies are tagged ok | cancelled | failed | timeout (pyright's worker protocol): a cancelled
// or timed-out analysis is an outcome, not an exception. `timeout` is produced by the host,
// which kills a worker that overran its budget; the other three come from the worker.
import type { Finding } from '../core/diagnostics/finding';
import type { FileReport } from '../core/report';
import type { WarmupCounts } from './warmup';

export interface AnalysisTarget {
  readonly driver: string | null;
  readonly kernel: string | null;
  readonly clangPath: string | null;
  readonly clangArgs: readonly string[];
}

export interface AnalyzeJob {
  readonly kind: 'analyze';
  readonly id: number;
  readonly uri: string;
  readonly version: number;
  /** Absolute path of the C file (include paths and compile_commands.json are found from it). */
  readonly file: string;
  /** Unsaved text to compile via stdin; absent: compile the file on disk. */
  readonly text?: string;
  readonly target: AnalysisTarget;
  readonly timeBudgetMs: number;
  /** Int32Array(1) over a SharedArrayBuffer: the host stores 1 to cancel; the core polls it. */
  readonly cancel: SharedArrayBuffer;
}

/** A quick-fix the worker prepared while it had the AST at hand (1-based ranges). */
export interface PreparedFix {
  readonly title: string;
  readonly edits: readonly { readonly range: Finding['range']; readonly newText: string }[];
}

export interface AnalysisResult {
  readonly report: FileReport;
  /** The compiled BPF object, for commands (disassembly, run on a packet). */
  readonly object?: Uint8Array;
  readonly clang?: string;
  /** Verifier state per C line (first instruction of the line), for hovers. */
  readonly lineStates?: readonly { readonly program: string; readonly line: number; readonly text: string; readonly visits: number }[];
  readonly compileMs: number;
  readonly analyzeMs: number;
  /** Idle-time warm-up analyses (warmup.ts) since the worker's previous ok analysis reply. */
  readonly warmup?: WarmupCounts;
}

export type AnalyzeReply =
  | { readonly id: number; readonly tag: 'ok'; readonly ms: number; readonly result: AnalysisResult }
  | { readonly id: number; readonly tag: 'cancelled'; readonly ms: number }
  | { readonly id: number; readonly tag: 'failed'; readonly ms: number; readonly error: string }
  | { readonly id: number; readonly tag: 'timeout'; readonly ms: number };

/** Commands that run in the worker on an object the host kept from an earlier analysis. */
export interface CommandJob {
  readonly kind: 'command';
  readonly id: number;
  readonly name: 'disassemble' | 'runPacket' | 'portability';
  readonly object: Uint8Array;
  readonly file: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly cancel: SharedArrayBuffer;
}

export type CommandReply =
  | { readonly id: number; readonly tag: 'ok'; readonly ms: number; readonly value: unknown }
  | { readonly id: number; readonly tag: 'cancelled' | 'timeout'; readonly ms: number }
  | { readonly id: number; readonly tag: 'failed'; readonly ms: number; readonly error: string };

export type WorkerJob = AnalyzeJob | CommandJob;
export type WorkerReply = AnalyzeReply | CommandReply;

/** `workerData` of an analysis worker. */
export interface WorkerData {
  /** Int32Array slots of live child pids (children.ts); the host kills them when it ends the worker. */
  readonly children?: SharedArrayBuffer;
  /**
   * Int32Array(1): the host stores 1 just before it posts a job, the worker 0 when it takes one.
   * Idle-time warm-up (warmup.ts) runs only with it, and stops when it rises.
   */
  readonly posted?: SharedArrayBuffer;
}
