// ALU and ALU64 instructions: scalar transfer functions come from the domain; pointer
// arithmetic follows the kernel's adjust_ptr_min_max_vals rules (kernel/bpf/verifier.c @6.12).

import type { Insn } from '../isa/insn';
import { AluOp, Cls, Src } from '../isa/opcodes';
import { immReg, newId, Reject, type Env } from './env';
import { checkWritable, readReg, setReg } from './regs';
import { sc, type AluName } from './sc';
import { Reg, regWith } from './state';
import { kindStr } from './btfPtr';

const ALU_NAMES: Record<number, AluName> = {
  [AluOp.ADD]: 'add', [AluOp.SUB]: 'sub', [AluOp.MUL]: 'mul', [AluOp.DIV]: 'div', [AluOp.OR]: 'or', [AluOp.AND]: 'and',
  [AluOp.LSH]: 'lsh', [AluOp.RSH]: 'rsh', [AluOp.MOD]: 'mod', [AluOp.XOR]: 'xor', [AluOp.ARSH]: 'arsh',
};
const OP_TEXT: Record<AluName, string> = {
  add: '+=', sub: '-=', mul: '*=', div: '/=', or: '|=', and: '&=', lsh: '<<=', rsh: '>>=', mod: '%=', xor: '^=', arsh: 's>>=',
};

/** Kernel's BPF_MAX_VAR_OFF: pointer offsets must stay within +-2^29. */
const MAX_VAR_OFF = 1 << 29;
const S64_MIN = -(1n << 63n);

/** Pointer kinds on which the kernel refuses any arithmetic. */
const NO_ARITH = new Set(['pkt_end', 'sock', 'sock_common', 'tcp_sock', 'map_ptr', 'func']);

export function execAlu(env: Env, insn: Insn, slot: number): void {
  const is64 = (insn.code & 0x07) === Cls.ALU64;
  const op = insn.code & 0xf0;
  const useReg = (insn.code & 0x08) === Src.X;

  if (op === AluOp.END) return execEnd(env, insn, slot, is64);
  if (op === AluOp.NEG) {
    if (useReg || insn.src !== 0 || insn.off !== 0 || insn.imm !== 0) throw badInsn('BPF_NEG uses reserved fields');
    const d = readReg(env, insn.dst);
    checkWritable(insn.dst);
    if (Reg.isPtr(d)) {
      if (!env.privileged) throw new Reject('bpf/ptr-arith', `R${insn.dst} pointer arithmetic prohibited`, 'Negating a pointer is not allowed.');
      setReg(env, insn.dst, Reg.unknown, slot);
      return;
    }
    setReg(env, insn.dst, Reg.scalar(sc.neg(d.val, is64)), slot);
    return;
  }
  if (op === AluOp.MOV) return execMov(env, insn, slot, is64, useReg);

  const name = ALU_NAMES[op];
  if (name === undefined) throw badInsn(`invalid BPF_ALU opcode ${hex(op)}`);
  if (useReg) {
    if (insn.imm !== 0 || (insn.off !== 0 && !((op === AluOp.DIV || op === AluOp.MOD) && insn.off === 1))) throw badInsn('BPF_ALU uses reserved fields');
  } else {
    if (insn.src !== 0 || (insn.off !== 0 && !((op === AluOp.DIV || op === AluOp.MOD) && insn.off === 1))) throw badInsn('BPF_ALU uses reserved fields');
    if ((op === AluOp.DIV || op === AluOp.MOD) && insn.imm === 0) {
      throw new Reject('bpf/bad-insn', 'div by zero', 'Division or modulo by the constant 0 is refused (a zero divisor in a register is allowed: the result is then 0 or the dividend).');
    }
    if ((op === AluOp.LSH || op === AluOp.RSH || op === AluOp.ARSH) && (insn.imm < 0 || insn.imm >= (is64 ? 64 : 32))) {
      throw new Reject('bpf/bad-insn', `invalid shift ${insn.imm}`, `A shift by ${insn.imm} is outside 0..${is64 ? 63 : 31}.`);
    }
  }
  const signed = insn.off === 1;
  const src = useReg ? readReg(env, insn.src) : immReg(env, slot, !is64);
  const dst = readReg(env, insn.dst);
  checkWritable(insn.dst);

  if (!Reg.isPtr(dst) && !Reg.isPtr(src)) {
    setReg(env, insn.dst, Reg.scalar(sc.alu(name, dst.val, src.val, is64, signed)), slot);
    return;
  }
  setReg(env, insn.dst, ptrArith(env, insn, name, dst, src, is64), slot);
}

function execMov(env: Env, insn: Insn, slot: number, is64: boolean, useReg: boolean): void {
  checkWritable(insn.dst);
  if (!useReg) {
    if (insn.src !== 0 || insn.off !== 0) throw badInsn('BPF_MOV uses reserved fields');
    setReg(env, insn.dst, immReg(env, slot, !is64), slot);
    return;
  }
  if (insn.imm !== 0 || (insn.off !== 0 && insn.off !== 8 && insn.off !== 16 && insn.off !== 32) || (!is64 && insn.off === 32)) {
    throw badInsn('BPF_MOV uses reserved fields');
  }
  const src = readReg(env, insn.src);
  if (insn.off !== 0) {
    // movsx: sign-extends the low 8/16/32 bits; a pointer turns into an unknown scalar (privileged).
    if (Reg.isPtr(src)) {
      if (!env.privileged) throw new Reject('bpf/ptr-leak', `R${insn.src} sign-extension part of pointer`, 'A pointer cannot be sign-extended.');
      setReg(env, insn.dst, Reg.unknown, slot);
      return;
    }
    setReg(env, insn.dst, Reg.scalar(sc.movsx(src.val, insn.off, is64)), slot);
    return;
  }
  if (is64) {
    // A full copy keeps the register's type; a non-constant scalar copy is linked by id so that a
    // later comparison on one copy refines the other (the kernel's linked scalars).
    let v = src;
    if (src.kind === 'scalar' && !sc.isConst(src.val) && src.id === 0) {
      v = regWith(src, src.kind, src.val, src.off, newId(env), src.range);
      setReg(env, insn.src, v, slot);
    }
    setReg(env, insn.dst, v, slot);
    return;
  }
  if (Reg.isPtr(src)) {
    if (!env.privileged) throw new Reject('bpf/ptr-leak', `R${insn.src} partial copy of pointer`, 'Copying the low half of a pointer leaks its address.');
    setReg(env, insn.dst, Reg.unknown, slot);
    return;
  }
  setReg(env, insn.dst, Reg.scalar(sc.zext32(src.val)), slot);
}

function execEnd(env: Env, insn: Insn, slot: number, is64: boolean): void {
  if (insn.src !== 0 || insn.off !== 0 || (insn.imm !== 16 && insn.imm !== 32 && insn.imm !== 64)) throw badInsn('BPF_END uses reserved fields');
  const d = readReg(env, insn.dst);
  checkWritable(insn.dst);
  if (Reg.isPtr(d)) {
    if (!env.privileged) throw new Reject('bpf/ptr-arith', `R${insn.dst} pointer arithmetic prohibited`, 'Byte-swapping a pointer is not allowed.');
    setReg(env, insn.dst, Reg.unknown, slot);
    return;
  }
  const kind = is64 ? 'bswap' : (insn.code & 0x08) ? 'be' : 'le';
  setReg(env, insn.dst, Reg.scalar(sc.endian(d.val, insn.imm, kind)), slot);
}

function ptrArith(env: Env, insn: Insn, op: AluName, dst: Reg, src: Reg, is64: boolean): Reg {
  const d = insn.dst;
  if (Reg.isPtr(dst) && Reg.isPtr(src)) {
    if (op === 'sub' && env.privileged) return Reg.unknown; // pointer - pointer: an unknown scalar
    throw new Reject('bpf/ptr-arith', `R${d} pointer ${OP_TEXT[op]} pointer prohibited`, 'Arithmetic between two pointers is not allowed.');
  }
  const ptrIsDst = Reg.isPtr(dst);
  const ptr = ptrIsDst ? dst : src;
  const off = ptrIsDst ? src : dst;
  if (!is64) {
    if (op === 'sub' && env.privileged) return Reg.unknown;
    throw new Reject('bpf/ptr-arith', `R${d} 32-bit pointer arithmetic prohibited`, '32-bit arithmetic on a pointer would truncate it; use 64-bit arithmetic.');
  }
  if (Reg.isOrNull(ptr)) {
    throw new Reject('bpf/ptr-arith', `R${d} pointer arithmetic on ${kindStr(ptr)} prohibited, null-check it first`, `The pointer in r${d} may be NULL; compare it with 0 before doing arithmetic on it.`);
  }
  const known = sc.isConst(off.val);
  const kval = known ? BigInt.asIntN(64, sc.constValue(off.val)) : 0n;
  if (NO_ARITH.has(ptr.kind) && !(ptr.kind === 'map_ptr' && known && kval === 0n && op === 'add')) {
    throw new Reject('bpf/ptr-arith', `R${d} pointer arithmetic on ${kindStr(ptr)} prohibited`, `No arithmetic is allowed on a ${kindStr(ptr)} pointer.`);
  }
  if (op !== 'add' && op !== 'sub') {
    const bitwise = op === 'and' || op === 'or' || op === 'xor';
    const opn = bitwise ? OP_TEXT[op] : OP_TEXT[op];
    throw new Reject('bpf/ptr-arith', bitwise ? `R${d} bitwise operator ${opn} on pointer prohibited` : `R${d} pointer arithmetic with ${opn} operator prohibited`,
      'Only adding or subtracting a scalar is allowed on a pointer.');
  }
  if (op === 'sub' && !ptrIsDst) {
    throw new Reject('bpf/ptr-arith', `R${d} tried to subtract pointer from scalar`, 'A scalar minus a pointer is not a valid pointer.');
  }
  // check_reg_sane_offset on the scalar operand
  const smin = off.val.smin;
  if (known && (kval >= BigInt(MAX_VAR_OFF) || kval <= -BigInt(MAX_VAR_OFF))) {
    throw new Reject('bpf/ptr-arith', `math between ${kindStr(ptr)} pointer and ${kval} is not allowed`, 'The constant added to the pointer is too large (beyond ±2^29).');
  }
  if (smin === S64_MIN) {
    throw new Reject('bpf/ptr-arith', `math between ${kindStr(ptr)} pointer and register with unbounded min value is not allowed`,
      'The value added to the pointer has no lower bound; check it against a limit first.');
  }
  if (ptr.kind === 'fp' && op === 'sub' && !known) {
    throw new Reject('bpf/ptr-arith', `R${d} subtraction from stack pointer prohibited`, 'Subtracting an unknown value from the stack pointer is not allowed.');
  }
  const isPkt = ptr.kind === 'pkt' || ptr.kind === 'pkt_meta';
  let res: Reg;
  if (known) {
    const nOff = op === 'add' ? ptr.off + Number(kval) : ptr.off - Number(kval);
    res = regWith(ptr, ptr.kind, ptr.val, nOff, ptr.id, ptr.range);
  } else {
    const nVal = sc.alu(op, ptr.val, off.val, true);
    res = isPkt ? regWith(ptr, ptr.kind, nVal, ptr.off, newId(env), 0) : regWith(ptr, ptr.kind, nVal, ptr.off, ptr.id, ptr.range);
  }
  // check_reg_sane_offset on the result
  if (res.off >= MAX_VAR_OFF || res.off <= -MAX_VAR_OFF) {
    throw new Reject('bpf/ptr-arith', `${kindStr(ptr)} pointer offset ${res.off} is not allowed`, 'The pointer offset leaves the range the kernel tracks (±2^29).');
  }
  if (res.val.smin === S64_MIN) {
    throw new Reject('bpf/ptr-arith', `math between ${kindStr(ptr)} pointer and register with unbounded min value is not allowed`, 'The pointer offset becomes unbounded; bound the added value first.');
  }
  if (res.val.smin >= BigInt(MAX_VAR_OFF) || res.val.smin <= -BigInt(MAX_VAR_OFF)) {
    throw new Reject('bpf/ptr-arith', `value ${res.val.smin} makes ${kindStr(ptr)} pointer be out of bounds`, 'The pointer offset leaves the range the kernel tracks (±2^29).');
  }
  return res;
}

function badInsn(msg: string): Reject {
  return new Reject('bpf/bad-insn', msg, 'The instruction encoding is invalid.');
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
