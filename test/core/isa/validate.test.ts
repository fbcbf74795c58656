// Reserved-field and opcode checks. The shared negative vectors (bpf_conformance's "unused-*"
// cases) arrive as names without assembled words, so each name is turned back into its encoding:
// "<instruction>-<field>" sets that one field of a valid instruction nonzero.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRaw } from '../../../server/src/core/isa/insn';
import { decodeStrict, encodingProblem, jumpTarget } from '../../../server/src/core/isa/validate';
import { encode, type RawInsn } from './sweep';

const NEGATIVE = join(__dirname, '..', '..', '..', '..', 'shared', 'conformance', 'negative_tests.jsonl');
const CONFORMANCE = join(__dirname, '..', '..', '..', '..', 'shared', 'conformance', 'conformance_tests.jsonl');

/** A valid encoding of each instruction the negative vectors name (RFC 9669 opcodes). */
const VALID: Record<string, RawInsn> = {
  add64_imm: { code: 0x07, dst: 1, src: 0, off: 0, imm: 2 },
  add64_reg: { code: 0x0f, dst: 1, src: 2, off: 0, imm: 0 },
  add_imm: { code: 0x04, dst: 1, src: 0, off: 0, imm: 2 },
  add_reg: { code: 0x0c, dst: 1, src: 2, off: 0, imm: 0 },
  be16: { code: 0xdc, dst: 1, src: 0, off: 0, imm: 16 },
  le16: { code: 0xd4, dst: 1, src: 0, off: 0, imm: 16 },
  call: { code: 0x85, dst: 0, src: 0, off: 0, imm: 1 },
  exit: { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
  ja: { code: 0x05, dst: 0, src: 0, off: 0, imm: 0 },
  jeq_imm: { code: 0x15, dst: 1, src: 0, off: 0, imm: 3 },
  jeq_reg: { code: 0x1d, dst: 1, src: 2, off: 0, imm: 0 },
  jgt_imm: { code: 0x25, dst: 1, src: 0, off: 0, imm: 3 },
  jgt_reg: { code: 0x2d, dst: 1, src: 2, off: 0, imm: 0 },
  ldxdw: { code: 0x79, dst: 1, src: 10, off: -8, imm: 0 },
  ldxw: { code: 0x61, dst: 1, src: 10, off: -8, imm: 0 },
  mov64_imm: { code: 0xb7, dst: 1, src: 0, off: 0, imm: 2 },
  mov64_reg: { code: 0xbf, dst: 1, src: 2, off: 0, imm: 0 },
  mov_imm: { code: 0xb4, dst: 1, src: 0, off: 0, imm: 2 },
  mov_reg: { code: 0xbc, dst: 1, src: 2, off: 0, imm: 0 },
  neg: { code: 0x84, dst: 1, src: 0, off: 0, imm: 0 },
  neg64: { code: 0x87, dst: 1, src: 0, off: 0, imm: 0 },
  stdw: { code: 0x7a, dst: 10, src: 0, off: -8, imm: 1 },
  stw: { code: 0x62, dst: 10, src: 0, off: -8, imm: 1 },
  stxdw: { code: 0x7b, dst: 10, src: 1, off: -8, imm: 0 },
  stxw: { code: 0x63, dst: 10, src: 1, off: -8, imm: 0 },
};

/** The field a name's suffix makes nonzero; `off: 3` is not a sign-extension width or signed-division flag. */
const FIELD: Record<string, Partial<RawInsn>> = { offset: { off: 3 }, src: { src: 3 }, imm: { imm: 3 }, dst: { dst: 3 } };

function program(...insns: RawInsn[]): Uint8Array {
  return encode([...insns, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }]);
}

describe('strict decoding', () => {
  const names: string[] = existsSync(NEGATIVE)
    ? readFileSync(NEGATIVE, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { name: string }).name).filter((n) => n.startsWith('unused-'))
    : [];

  it.skipIf(names.length === 0)('refuses every reserved-field vector of ../shared/conformance (skipped: ../shared absent)', () => {
    expect(names.length).toBe(45);
    for (const name of names) {
      const m = /^unused-(.+)-(offset|src|imm|dst)\.data$/.exec(name);
      expect(m, name).not.toBeNull();
      const valid = VALID[m![1]!];
      expect(valid, `no valid encoding for ${name}`).toBeDefined();
      // The valid form decodes; setting the named field makes it malformed.
      expect(decodeStrict(program(valid!)).ok, `${name}: valid form`).toBe(true);
      const bad = decodeStrict(program({ ...valid!, ...FIELD[m![2]!] }));
      expect(bad.ok, `${name}: should be refused`).toBe(false);
      if (!bad.ok) expect(bad.error).toMatchObject({ stage: 'isa', slot: 0, offset: 0 });
    }
  });

  it.skipIf(!existsSync(CONFORMANCE))('accepts every instruction of the 313 conformance programs (skipped: ../shared absent)', () => {
    const lines = readFileSync(CONFORMANCE, 'utf8').trim().split('\n');
    expect(lines.length).toBe(313);
    const refused: string[] = [];
    for (const line of lines) {
      const t = JSON.parse(line) as { name: string; insns: string[]; expected_error: string };
      if (t.insns.length === 0) continue;
      const bytes = new Uint8Array(t.insns.flatMap((h) => h.match(/../g)!.map((b) => parseInt(b, 16))));
      const r = decodeStrict(bytes);
      if (!r.ok) refused.push(`${t.name}: ${r.error.message} (expected_error: ${t.expected_error || 'none'})`);
    }
    // Only vectors that expect an error may be refused at decode time.
    expect(refused.filter((r) => r.endsWith('(expected_error: none)'))).toEqual([]);
  });

  it('names stage, slot and byte offset of the first bad instruction', () => {
    const bytes = program({ code: 0xb7, dst: 1, src: 0, off: 0, imm: 1 }, { code: 0xff, dst: 0, src: 0, off: 0, imm: 0 });
    expect(decodeStrict(bytes)).toEqual({ ok: false, error: { stage: 'isa', slot: 1, offset: 8, message: 'unknown opcode 0xff' } });
  });

  it('refuses jumps out of the program and into the middle of an lddw', () => {
    expect(decodeStrict(program({ code: 0x05, dst: 0, src: 0, off: 5, imm: 0 })).ok).toBe(false);
    expect(decodeStrict(program({ code: 0x05, dst: 0, src: 0, off: -2, imm: 0 })).ok).toBe(false);
    const intoTail = encode([
      { code: 0x05, dst: 0, src: 0, off: 1, imm: 0 },
      { code: 0x18, dst: 1, src: 0, off: 0, imm: 0 },
      { code: 0x00, dst: 0, src: 0, off: 0, imm: 0 },
      { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
    ]);
    expect(decodeStrict(intoTail)).toMatchObject({ ok: false, error: { slot: 0 } });
    expect(decodeStrict(program({ code: 0x05, dst: 0, src: 0, off: 0, imm: 0 })).ok).toBe(true);
  });

  it('refuses a truncated lddw and a length that is not a multiple of 8', () => {
    const lddw = encode([{ code: 0x18, dst: 1, src: 0, off: 0, imm: 0 }]);
    expect(decodeRaw(lddw)).toMatchObject({ ok: false, error: { stage: 'isa', slot: 0 } });
    expect(decodeRaw(new Uint8Array(12))).toMatchObject({ ok: false, error: { stage: 'isa', offset: 8 } });
  });

  it('accepts the v4 encodings and refuses their malformed neighbours', () => {
    const ok = (i: RawInsn): string | undefined => encodingProblem(i);
    expect(ok({ code: 0xbf, dst: 1, src: 2, off: 32, imm: 0 })).toBeUndefined(); // movsx r1 = (s32)r2
    expect(ok({ code: 0xbc, dst: 1, src: 2, off: 32, imm: 0 })).toMatch(/sign-extension/); // no (s32) for w regs
    expect(ok({ code: 0x3f, dst: 1, src: 2, off: 1, imm: 0 })).toBeUndefined(); // sdiv
    expect(ok({ code: 0x3f, dst: 1, src: 2, off: 2, imm: 0 })).toMatch(/division offset/);
    expect(ok({ code: 0xd7, dst: 1, src: 0, off: 0, imm: 32 })).toBeUndefined(); // bswap32
    expect(ok({ code: 0xd7, dst: 1, src: 0, off: 0, imm: 8 })).toMatch(/width 8/);
    expect(ok({ code: 0xdf, dst: 1, src: 0, off: 0, imm: 16 })).toMatch(/unknown opcode/);
    expect(ok({ code: 0x99, dst: 1, src: 2, off: 0, imm: 0 })).toMatch(/cannot be 8 bytes/); // ldxsx dw
    expect(ok({ code: 0xdb, dst: 1, src: 2, off: 0, imm: 0xf1 })).toBeUndefined(); // cmpxchg
    expect(ok({ code: 0xdb, dst: 1, src: 2, off: 0, imm: 0x02 })).toMatch(/atomic/);
    expect(ok({ code: 0xd3, dst: 1, src: 2, off: 0, imm: 0 })).toMatch(/4 or 8 bytes/);
    expect(ok({ code: 0x8d, dst: 1, src: 0, off: 0, imm: 0 })).toBeUndefined(); // callx r1
    expect(ok({ code: 0x85, dst: 0, src: 3, off: 0, imm: 0 })).toMatch(/source kind/);
  });

  it('computes jump and bpf-to-bpf call targets', () => {
    expect(jumpTarget({ code: 0x15, dst: 1, src: 0, off: 3, imm: 0 }, 10)).toBe(14);
    expect(jumpTarget({ code: 0x06, dst: 0, src: 0, off: 0, imm: -5 }, 10)).toBe(6); // gotol
    expect(jumpTarget({ code: 0x85, dst: 0, src: 1, off: 0, imm: 7 }, 2)).toBe(10);
    expect(jumpTarget({ code: 0x85, dst: 0, src: 0, off: 0, imm: 7 }, 2)).toBeUndefined(); // helper
    expect(jumpTarget({ code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }, 2)).toBeUndefined();
  });
});
