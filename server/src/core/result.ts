// Bad input is a value, not an exception: every loader stage returns a typed error that
// names the stage and the byte offset where it gave up.

export type Stage = 'elf' | 'btf' | 'btf.ext' | 'isa' | 'relo' | 'maps' | 'programs';

export interface StageError {
  readonly stage: Stage;
  /** Byte offset in the input (file or section, as `where` says) at which the problem was found. */
  readonly offset: number;
  /** Which blob the offset is relative to, e.g. "file", "section .BTF", "section xdp". */
  readonly where: string;
  readonly message: string;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: StageError };

export const Result = {
  ok<T>(value: T): Result<T> {
    return { ok: true, value };
  },
  err<T = never>(stage: Stage, where: string, offset: number, message: string): Result<T> {
    return { ok: false, error: { stage, where, offset, message } };
  },
  format(e: StageError): string {
    return `${e.stage}: ${e.message} (${e.where}, offset ${e.offset})`;
  },
};
