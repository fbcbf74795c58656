// A deterministic set of raw instruction words covering every opcode byte with several field
// patterns, for comparing our disassembler with llvm-objdump. Returns 8-byte little-endian words.
export interface RawInsn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

const PATTERNS: ReadonlyArray<Omit<RawInsn, 'code'>> = [
  { dst: 1, src: 2, off: 0, imm: 0 },
  { dst: 1, src: 0, off: 0, imm: 5 },
  { dst: 3, src: 0, off: 0, imm: -7 },
  { dst: 4, src: 5, off: -3, imm: 0 },
  { dst: 0, src: 0, off: 4, imm: 0 },
  { dst: 2, src: 0, off: 0, imm: 16 },
  { dst: 2, src: 0, off: 0, imm: 32 },
  { dst: 2, src: 0, off: 0, imm: 64 },
  { dst: 6, src: 7, off: 8, imm: 0 },
  { dst: 6, src: 7, off: 16, imm: 0 },
  { dst: 6, src: 7, off: 32, imm: 0 },
  { dst: 6, src: 7, off: 1, imm: 0 },
  { dst: 6, src: 0, off: 1, imm: 9 },
  { dst: 10, src: 1, off: -8, imm: 0x7fffffff },
  { dst: 1, src: 10, off: 2, imm: 1 },
  { dst: 1, src: 2, off: 0, imm: 0x01 },
  { dst: 1, src: 2, off: 0, imm: 0x41 },
  { dst: 1, src: 2, off: 0, imm: 0x51 },
  { dst: 1, src: 2, off: 0, imm: 0xa1 },
  { dst: 1, src: 2, off: 0, imm: 0xe1 },
  { dst: 1, src: 2, off: 0, imm: 0xf1 },
  { dst: 0, src: 1, off: 0, imm: 3 },
  { dst: 0, src: 2, off: 0, imm: 3 },
];

export function sweepInsns(): RawInsn[] {
  const out: RawInsn[] = [];
  for (let code = 0; code < 256; code++) {
    if (code === 0x18) continue; // lddw is handled separately (two slots)
    for (const p of PATTERNS) out.push({ code, ...p });
  }
  return out;
}

export function encode(insns: readonly RawInsn[]): Uint8Array {
  const bytes = new Uint8Array(insns.length * 8);
  const view = new DataView(bytes.buffer);
  insns.forEach((i, n) => {
    view.setUint8(n * 8, i.code);
    view.setUint8(n * 8 + 1, (i.src << 4) | i.dst);
    view.setInt16(n * 8 + 2, i.off, true);
    view.setInt32(n * 8 + 4, i.imm, true);
  });
  return bytes;
}

/** lddw pairs with assorted 64-bit immediates and source kinds. */
export function lddwWords(): Uint8Array {
  const cases: Array<[number, number, bigint]> = [
    [1, 0, 0n], [2, 0, 0x123456789n], [3, 0, 0xffffffffffffffffn], [0, 1, 7n], [5, 2, 0x8000000000000000n], [9, 0, 42n],
  ];
  const bytes = new Uint8Array(cases.length * 16);
  const view = new DataView(bytes.buffer);
  cases.forEach(([dst, src, v], n) => {
    view.setUint8(n * 16, 0x18);
    view.setUint8(n * 16 + 1, (src << 4) | dst);
    view.setUint32(n * 16 + 4, Number(v & 0xffffffffn), true);
    view.setUint32(n * 16 + 12, Number(v >> 32n), true);
  });
  return bytes;
}
