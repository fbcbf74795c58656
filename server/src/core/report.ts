// The CLI's JSON report (`xdp-check check --format json`), version 1. A contract: fields are
// added, never renamed or removed. The language server builds its diagnostics from the same
// records. Lines and columns are 1-based.

import type { Finding } from './diagnostics/finding';

export interface ReturnValues {
  /** Every value R0 can hold at an exit, when there are at most 64; otherwise null. */
  readonly values: number[] | null;
  readonly min: number;
  readonly max: number;
}

export interface ProgramReport {
  readonly name: string;
  readonly section: string;
  readonly insnCount: number;
  readonly verdict?: 'accept' | 'reject' | 'error';
  readonly stats?: { readonly processedInsns: number; readonly peakStates: number; readonly verifyMs: number };
  readonly returnValues?: ReturnValues;
  /**
   * push: the most bytes any path pushes into the headroom (bpf_xdp_adjust_head, adjust_meta);
   * pull: the most bytes any path pulls off the front (the packet must be pull + 14 bytes long).
   * null: unbounded.
   */
  readonly headroom?: { readonly push: number | null; readonly pull?: number | null };
  readonly requires?: string[];
  readonly findings: Finding[];
}

export interface FileReport {
  readonly path: string;
  /** Compile and load problems, and findings not tied to one program. */
  readonly diagnostics: Finding[];
  readonly programs: ProgramReport[];
}

export interface Target {
  /** Driver id (kernel module name, `generic`, `nfp-offload`), or null when none was selected. */
  readonly driver: string | null;
  /** Target kernel as "X.Y", or null for the running reference (6.18). */
  readonly kernel: string | null;
}

export interface CheckReport {
  readonly version: 1;
  readonly target: Target;
  readonly files: FileReport[];
}
