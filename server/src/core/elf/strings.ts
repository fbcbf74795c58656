// NUL-terminated strings out of ELF and BTF string tables. Names in BPF objects are almost always
// ASCII, so the fast path builds the string from char codes without a decoder call; anything
// else goes through a shared UTF-8 TextDecoder (replacement characters, never a throw).

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * The string starting at `start` in `table`, up to the first NUL or the end of the table.
 * `start` past the end gives ''. Callers range-check offsets themselves to report errors.
 */
export function cString(table: Uint8Array, start: number): string {
  const n = table.length;
  if (start >= n || start < 0) return '';
  let end = start;
  let ascii = true;
  while (end < n) {
    const b = table[end]!;
    if (b === 0) break;
    if (b >= 0x80) ascii = false;
    end++;
  }
  if (end === start) return '';
  if (!ascii || end - start > 4096) return utf8.decode(table.subarray(start, end));
  // One flat string per call (no per-character concatenation, which builds rope nodes for GC).
  return String.fromCharCode.apply(null, table.subarray(start, end) as unknown as number[]);
}

/** Whether a NUL terminates the string at `start` before the end of the table. */
export function isTerminated(table: Uint8Array, start: number): boolean {
  for (let i = start; i < table.length; i++) if (table[i] === 0) return true;
  return false;
}
