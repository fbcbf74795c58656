// A program prepared for execution: instruction fields in typed arrays (one entry per slot, plus a
// sentinel), with every encoding the tiers cannot execute replaced by the invalid opcode 0 so that
// reaching it is a fault rather than undefined behaviour. Shared by both tiers; built once per Program.

import { Cls, JmpOp } from '../isa/opcodes';
import type { Insn } from '../isa/insn';
import type { Program } from '../program';

export interface Image {
  readonly program: Program;
  readonly n: number;
  readonly code: Uint8Array;
  readonly dst: Uint8Array;
  readonly src: Uint8Array;
  readonly off: Int16Array;
  readonly imm: Int32Array;
  /** LD_IMM64 slots with their kind (src) and 64-bit value halves. */
  readonly lddw: ReadonlyArray<{ slot: number; src: number; lo: number; hi: number; tailImm: number }>;
  /** kfunc name per CALL slot (src = 2). */
  readonly kfuncs: ReadonlyMap<number, string>;
  /** Why a slot was made invalid (jump out of range, into an lddw tail, ...). */
  readonly invalid: ReadonlyMap<number, string>;
  jit?: unknown;
}

const cache = new WeakMap<Program, Image>();

export function imageOf(program: Program): Image {
  let img = cache.get(program);
  if (!img) {
    img = buildImage(program, program.insns);
    cache.set(program, img);
  }
  return img;
}

export function buildImage(program: Program, insns: readonly Insn[]): Image {
  const n = insns.length;
  const code = new Uint8Array(n + 1);
  const dst = new Uint8Array(n + 1);
  const src = new Uint8Array(n + 1);
  const off = new Int16Array(n + 1);
  const imm = new Int32Array(n + 1);
  const lddw: { slot: number; src: number; lo: number; hi: number; tailImm: number }[] = [];
  const invalid = new Map<number, string>();
  const isTail = (s: number) => s >= 0 && s < n && insns[s].tail === true;
  for (let i = 0; i < n; i++) {
    const x = insns[i];
    if (x.tail) continue;
    code[i] = x.code;
    dst[i] = x.dst;
    src[i] = x.src;
    off[i] = x.off;
    imm[i] = x.imm;
    if (x.dst > 10 || (x.src > 10 && (x.code & 7) !== Cls.JMP)) {
      code[i] = 0;
      invalid.set(i, `register out of range (dst r${x.dst}, src r${x.src})`);
      continue;
    }
    if (x.code === 0x18) {
      const v = x.imm64 ?? BigInt(x.imm >>> 0);
      const t = i + 1 < n ? insns[i + 1] : undefined;
      lddw.push({ slot: i, src: x.src, lo: Number(v & 0xffffffffn) | 0, hi: Number((v >> 32n) & 0xffffffffn) | 0, tailImm: t ? t.imm : 0 });
      if (!t || !t.tail) {
        code[i] = 0;
        invalid.set(i, 'lddw without its second slot');
      }
      continue;
    }
    const cls = x.code & 7;
    if (cls === Cls.JMP || cls === Cls.JMP32) {
      const op = x.code & 0xf0;
      if (op === JmpOp.EXIT || (op === JmpOp.CALL && !(cls === Cls.JMP && x.src === 1 && (x.code & 8) === 0))) continue;
      if (op === JmpOp.CALL && (x.code & 8) !== 0) continue;
      // gotol (JMP32|JA) takes its offset from imm; pseudo calls from imm; the rest from off.
      const rel = (cls === Cls.JMP32 && op === JmpOp.JA) || op === JmpOp.CALL ? x.imm : x.off;
      const target = i + 1 + rel;
      if (target < 0 || target >= n || isTail(target)) {
        code[i] = 0;
        invalid.set(i, `jump target ${target} is ${target < 0 || target >= n ? 'outside the program' : 'the second half of an lddw'}`);
      }
    }
  }
  const kfuncs = new Map<number, string>();
  for (const k of program.kfuncs) kfuncs.set(k.slot, k.name);
  return { program, n, code, dst, src, off, imm, lddw, kfuncs, invalid };
}
