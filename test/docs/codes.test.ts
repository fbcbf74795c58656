// docs/codes.md is where every diagnostic links: each code must have its section there, and
// every section must be a real code (so renamed codes cannot leave dead links behind).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AllCodes, codeDocUrl } from '../../server/src/core/diagnostics/codes';

const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'codes.md'), 'utf8');
const documented = [...doc.matchAll(/^### (\S+)$/gm)].map((m) => m[1]!);

describe('docs/codes.md', () => {
  it('documents every finding code', () => {
    expect(Object.keys(AllCodes).filter((c) => !documented.includes(c))).toEqual([]);
  });
  it('documents no code that does not exist', () => {
    expect(documented.filter((c) => !(c in AllCodes))).toEqual([]);
  });
  it('links each code to its section anchor', () => {
    expect(codeDocUrl('bpf/pkt-bounds')).toMatch(/docs\/codes\.md#bpfpkt-bounds$/);
    expect(codeDocUrl('xdp/return-invalid', 'file:///x/codes.md')).toBe('file:///x/codes.md#xdpreturn-invalid');
  });
});
