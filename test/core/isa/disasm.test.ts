// The objdump dialect must equal `llvm-objdump-14 -d --no-show-raw-insn` line for line. The sweep
// covers every opcode byte with 23 field patterns; the golden file holds LLVM 14's own output for
// those words (regenerated from the live tools when they are installed).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatInsn, objdumpLine } from '../../../server/src/core/isa/disasm';
import { decodeRaw, type Insn } from '../../../server/src/core/isa/insn';
import { encode, lddwWords, sweepInsns } from './sweep';

const GOLDEN = join(__dirname, '..', '..', 'golden', 'disasm', 'sweep.llvm-objdump-14.txt');
const hasLlvm14 = ['llvm-mc-14', 'llvm-objdump-14'].every((t) => {
  try {
    execFileSync(t, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

function sweepBytes(): Uint8Array {
  const pad = new Uint8Array(16 * 8);
  for (let i = 0; i < 16; i++) pad[i * 8] = 0x95;
  const parts = [pad, encode(sweepInsns()), lddwWords(), pad];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function decode(bytes: Uint8Array): Insn[] {
  const r = decodeRaw(bytes);
  if (!r.ok) throw new Error(r.error.message);
  return r.insns;
}

function ourObjdump(insns: Insn[]): string[] {
  const lines: string[] = [];
  for (let s = 0; s < insns.length; s++) {
    if (insns[s]!.tail) continue;
    lines.push(objdumpLine(s, formatInsn(insns, s, { dialect: 'llvm14', symbolize: (o) => ({ name: 'f', offset: o }) })));
  }
  return lines;
}

function llvmObjdump(bytes: Uint8Array): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'xdp-sweep-'));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let asm = '\t.section xdp,"ax",@progbits\n\t.globl f\n\t.type f,@function\nf:\n';
  for (let i = 0; i < bytes.length; i += 8) asm += `\t.quad 0x${view.getBigUint64(i, true).toString(16)}\n`;
  writeFileSync(join(dir, 'sweep.s'), asm);
  execFileSync('llvm-mc-14', ['-triple', 'bpfel', '-filetype=obj', join(dir, 'sweep.s'), '-o', join(dir, 'sweep.o')]);
  const out = execFileSync('llvm-objdump-14', ['-d', '--no-show-raw-insn', join(dir, 'sweep.o')], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.split('\n').filter((l) => /^ +\d+:/.test(l));
}

describe('disassembler, objdump dialect', () => {
  const insns = decode(sweepBytes());
  const ours = ourObjdump(insns);

  it('covers every opcode byte', () => {
    const codes = new Set(insns.filter((i) => !i.tail).map((i) => i.code));
    expect(codes.size).toBe(256);
  });

  it('equals the committed llvm-objdump-14 output for the sweep, line for line', () => {
    if (!existsSync(GOLDEN) || process.env.UPDATE_GOLDEN === '1') {
      if (!hasLlvm14) throw new Error('golden file missing and llvm-mc-14/llvm-objdump-14 not installed to create it');
      writeFileSync(GOLDEN, llvmObjdump(sweepBytes()).join('\n') + '\n');
    }
    const golden = readFileSync(GOLDEN, 'utf8').trimEnd().split('\n');
    expect(ours.length).toBe(golden.length);
    const diffs = ours.flatMap((l, i) => (l === golden[i] ? [] : [`ours:  ${l}\nllvm: ${golden[i]}`]));
    expect(diffs.slice(0, 10)).toEqual([]);
  });

  it.skipIf(!hasLlvm14)('equals live llvm-objdump-14 for the sweep (skipped: llvm-14 tools not installed)', () => {
    expect(ours).toEqual(llvmObjdump(sweepBytes()));
  });
});

describe('disassembler, modern dialect', () => {
  const fmt = (hex: string[]): string[] => {
    const bytes = new Uint8Array(hex.flatMap((h) => h.match(/../g)!.map((b) => parseInt(b, 16))));
    const insns = decode(bytes);
    return insns.flatMap((_, s) => (insns[s]!.tail ? [] : [formatInsn(insns, s, { dialect: 'modern', helperComments: true })]));
  };

  it('names the v4 instructions LLVM 14 cannot decode', () => {
    expect(
      fmt([
        'bf21080000000000', // r1 = (s8)r2
        'bc21100000000000', // w1 = (s16)w2
        '3f21010000000000', // r1 s/= r2
        '9701010003000000', // r1 s%= 3
        '9121010000000000', // r1 = *(s8 *)(r2 + 1)
        'd701000010000000', // bswap16
        '7a0af8ff05000000', // *(u64 *)(r10 - 8) = 5
        '0600000002000000', // gotol +2
        '4501010010000000', // if r1 & 16 goto +1
        '8d01000000000000', // callx r1
        'c321000051000000', // w2 = atomic_fetch_and((u32 *)(r1 + 0), w2)
        'e500020000000000', // may_goto +2
      ]),
    ).toEqual([
      'r1 = (s8)r2',
      'w1 = (s16)w2',
      'r1 s/= r2',
      'r1 s%= 3',
      'r1 = *(s8 *)(r2 + 1)',
      'r1 = bswap16 r1',
      '*(u64 *)(r10 - 8) = 5',
      'gotol +2',
      'if r1 & 16 goto +1',
      'callx r1',
      'w2 = atomic_fetch_and((u32 *)(r1 + 0), w2)',
      'may_goto +2',
    ]);
  });

  it('comments helper calls with their names and prints lddw as signed', () => {
    expect(fmt(['8500000001000000', '850000000c000000', '1801000000000000', '0000000000000000', '18020000ffffffff', '00000000ffffffff'])).toEqual([
      'call 1  // bpf_map_lookup_elem',
      'call 12  // bpf_tail_call',
      'r1 = 0 ll',
      'r2 = -1 ll',
    ]);
  });

  it('shows resolved map references by name', () => {
    const bytes = new Uint8Array(32);
    const v = new DataView(bytes.buffer);
    v.setUint8(0, 0x18);
    v.setUint8(1, (5 << 4) | 1); // src = MAP_IDX, dst = r1
    v.setInt32(4, 0, true);
    v.setUint8(16, 0x18);
    v.setUint8(17, (6 << 4) | 2); // src = MAP_IDX_VALUE, dst = r2
    v.setInt32(20, 1, true);
    v.setInt32(28, 8, true);
    const insns = decode(bytes);
    const names = ['counters', '.rodata'];
    const text = [0, 2].map((s) => formatInsn(insns, s, { dialect: 'modern', mapName: (i) => names[i] }));
    expect(text).toEqual(['r1 = map[counters] ll', 'r2 = map[.rodata] + 8 ll']);
  });
});
