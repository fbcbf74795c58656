// Loads, stores and atomics (kernel/bpf/verifier.c @6.12: check_mem_access and friends):
// which pointer kinds may be dereferenced, within which bounds, and what a load yields.

import type { Insn } from '../isa/insn';
import { AtomicOp, Cls, Mode, Size } from '../isa/opcodes';
import { mapOf, newId, Reject, type Env } from './env';
import { checkWritable, readReg, setReg } from './regs';
import { sc } from './sc';
import { curFrame, Reg, regWith } from './state';
import { stackBounds, stackReadFixed, stackReadVar, stackWriteFixed, stackWriteVar, type Access } from './stack';
import { xdpCtxAccess } from './ctx';
import { MapType, ProgType } from '../program';
import { regStr } from './log';
import { btfAccess, kindStr } from './btfPtr';
import { checkSpecialFields } from './spinLock';

const SIZES: Record<number, number> = { [Size.B]: 1, [Size.H]: 2, [Size.W]: 4, [Size.DW]: 8 };
const MAX_VAR_OFF = 1n << 29n;

export function accessSize(code: number): number {
  return SIZES[code & 0x18]!;
}

/** BPF_LDX (MEM and MEMSX). */
export function execLdx(env: Env, insn: Insn, slot: number): void {
  const mode = insn.code & 0xe0;
  if ((mode !== Mode.MEM && mode !== Mode.MEMSX) || insn.imm !== 0) throw bad('BPF_LDX uses reserved fields');
  const size = accessSize(insn.code);
  const signExt = mode === Mode.MEMSX;
  if (signExt && size === 8) throw bad('BPF_LDX uses reserved fields');
  const ptr = readReg(env, insn.src);
  checkWritable(insn.dst);
  let v = access(env, insn.src, ptr, insn.off, size, 'read', undefined, undefined, signExt);
  if (v.kind === 'scalar' && size < 8) {
    // a narrowing fill keeps the link only when the value fits the loaded width
    const keep = v.id !== 0 && !signExt && fitsBits(v, size * 8);
    v = keep ? regWith(Reg.unknown, 'scalar', narrow(v, size, signExt), 0, v.id, 0) : Reg.scalar(narrow(v, size, signExt));
  }
  setReg(env, insn.dst, v, slot);
}

/** BPF_ST (immediate) and BPF_STX (register), including atomics. */
export function execStore(env: Env, insn: Insn, _slot: number): void {
  const cls = insn.code & 0x07;
  const mode = insn.code & 0xe0;
  const size = accessSize(insn.code);
  if (cls === Cls.STX && mode === Mode.ATOMIC) return execAtomic(env, insn, size);
  if (mode !== Mode.MEM) throw bad(`BPF_${cls === Cls.ST ? 'ST' : 'STX'} uses reserved fields`);
  if (cls === Cls.STX) {
    if (insn.imm !== 0) throw bad('BPF_STX uses reserved fields');
    let val = readReg(env, insn.src);
    const ptr = readReg(env, insn.dst);
    // A scalar spilled to an 8-byte-aligned slot keeps a link (id) with its register, so a later
    // comparison of either copy refines both (the kernel's assign_scalar_id_before_mov).
    if (ptr.kind === 'fp' && val.kind === 'scalar' && val.id === 0 && !sc.isConst(val.val) && env.privileged && sc.isConst(ptr.val)
      && ((Number(sc.constValue(ptr.val)) + ptr.off + insn.off) & 7) === 0 && fitsBits(val, size * 8)) {
      val = regWith(val, val.kind, val.val, val.off, newId(env), val.range);
      setReg(env, insn.src, val, env.cur.pc);
    }
    access(env, insn.dst, ptr, insn.off, size, 'write', val, undefined, false);
  } else {
    if (insn.src !== 0) throw bad('BPF_ST uses reserved fields');
    const ptr = readReg(env, insn.dst);
    access(env, insn.dst, ptr, insn.off, size, 'write', undefined, insn.imm, false);
  }
}

function execAtomic(env: Env, insn: Insn, size: number): void {
  if (size !== 4 && size !== 8) throw bad('invalid atomic operand size');
  const op = insn.imm;
  const base = op & ~AtomicOp.FETCH;
  const known = op === AtomicOp.XCHG || op === AtomicOp.CMPXCHG || ([AtomicOp.ADD, AtomicOp.OR, AtomicOp.AND, AtomicOp.XOR] as number[]).includes(base);
  if (!known) throw bad(`BPF_ATOMIC uses invalid atomic opcode ${op.toString(16).padStart(2, '0')}`);
  const src = readReg(env, insn.src);
  const ptr = readReg(env, insn.dst);
  if (op === AtomicOp.CMPXCHG) {
    const r0 = readReg(env, 0);
    if (Reg.isPtr(r0) && !env.privileged) throw new Reject('bpf/ptr-leak', 'R0 leaks addr into mem', 'A pointer would be stored to memory.');
  }
  if (Reg.isPtr(src) && !env.privileged) throw new Reject('bpf/ptr-leak', `R${insn.src} leaks addr into mem`, 'A pointer would be stored to memory.');
  const k = ptr.kind;
  if (k === 'ctx' || k === 'pkt' || k === 'pkt_meta' || k === 'sock' || k === 'sock_common' || k === 'tcp_sock') {
    throw new Reject('bpf/mem-access', `BPF_ATOMIC stores into R${insn.dst} ${k} is not allowed`, 'Atomic operations work only on the stack and on map values.');
  }
  // read then write, as the kernel checks them
  const old = access(env, insn.dst, ptr, insn.off, size, 'read', undefined, undefined, false);
  if ((op & AtomicOp.FETCH) !== 0) {
    if (Reg.isPtr(old) && !env.privileged) throw new Reject('bpf/ptr-leak', `R${insn.dst} leaks addr into mem`, 'A pointer would be read back as data.');
  }
  access(env, insn.dst, ptr, insn.off, size, 'write', Reg.unknown, undefined, false);
  if (op === AtomicOp.CMPXCHG) setReg(env, 0, size < 8 ? Reg.scalar(sc.load(size)) : Reg.unknown, env.cur.pc);
  else if ((op & AtomicOp.FETCH) !== 0) {
    checkWritable(insn.src);
    setReg(env, insn.src, size < 8 ? Reg.scalar(sc.load(size)) : Reg.unknown, env.cur.pc);
  }
}

/** The variable offset as the kernel prints it in alignment errors (6.18: the value when constant). */
function varOffStr(env: Env, r: Reg): string {
  if (env.kver >= 613 && sc.isConst(r.val)) return BigInt.asIntN(64, sc.constValue(r.val)).toString();
  return sc.tnumStr(r.val);
}

/** get_reg_width(reg) <= bits: the value's unsigned maximum fits. */
export function fitsBits(r: Reg, bits: number): boolean {
  return bits >= 64 || r.val.umax < 1n << BigInt(bits);
}

function narrow(v: Reg, size: number, signExt: boolean): ReturnType<typeof sc.unknown> {
  return sc.truncate(v.val, size, signExt);
}

/**
 * One memory access through register `regno` (holding `ptr`) at insn offset `off`.
 * Returns the loaded value for reads (unknown for writes).
 */
export function access(env: Env, regno: number, ptr: Reg, off: number, size: number, t: Access, value: Reg | undefined, imm: number | undefined, signExt: boolean): Reg {
  const write = t === 'write';
  switch (ptr.kind) {
    case 'fp': {
      if (!sc.aligned(ptr.val, ptr.off + off, size)) {
        throw new Reject('bpf/misaligned', `misaligned stack access off ${varOffStr(env, ptr)}+${ptr.off}+${off} size ${size}`,
          `The kernel requires stack accesses to be aligned to their size (${size} bytes), even on x86-64.`);
      }
      const [lo, hi] = stackBounds(regno, ptr, off, size, t);
      const f = env.cur.frames[ptr.frame]!;
      if (sc.isConst(ptr.val)) {
        if (write) {
          stackWriteFixed(env, f, lo, size, value, imm);
          return Reg.unknown;
        }
        return stackReadFixed(env, f, lo, size);
      }
      if (write) {
        stackWriteVar(env, f, lo, hi, value, imm);
        return Reg.unknown;
      }
      return stackReadVar(env, f, regno, ptr, lo, hi, size);
    }
    case 'ctx':
      return ctxAccess(env, regno, ptr, off, size, write, value, signExt);
    case 'pkt':
    case 'pkt_meta':
      checkPktAccess(env, regno, ptr, off, size);
      if (write && value && Reg.isPtr(value) && !env.privileged) throw new Reject('bpf/ptr-leak', `R${regno} leaks addr into packet`, 'A pointer would be written into the packet.');
      return Reg.unknown;
    case 'map_value': {
      const m = mapOf(env, ptr.map);
      if (write && (m.readonly || m.type === MapType.DEVMAP || m.type === MapType.DEVMAP_HASH)) {
        throw new Reject('bpf/mem-access', `write into map forbidden, value_size=${m.valueSize} off=${ptr.off + off} size=${size}`,
          `Map ${m.name} is read-only for the program (a .rodata / const global).`);
      }
      checkRegion(env, regno, ptr, off, size, m.valueSize, 'map');
      // check_map_access @6.12: no load or store may touch the value's lock, timer or workqueue
      checkSpecialFields(env, ptr, ptr.off + off, size);
      if (!write && m.readonly && m.initial && sc.isConst(ptr.val)) {
        const at = Number(sc.constValue(ptr.val)) + ptr.off + off;
        if (at >= 0 && at + size <= m.initial.length) {
          let v = 0n;
          for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(m.initial[at + i]!);
          if (signExt) v = BigInt.asIntN(size * 8, v);
          return Reg.konst(v);
        }
      }
      return Reg.unknown;
    }
    case 'map_key': {
      const m = mapOf(env, ptr.map);
      checkRegion(env, regno, ptr, off, size, m.keySize, 'key');
      return Reg.unknown;
    }
    case 'ringbuf_mem':
    case 'mem':
      if (write && ptr.rdonly) throw new Reject('bpf/mem-access', `R${regno} cannot write into rdonly_mem`, 'This memory is read-only.');
      checkRegion(env, regno, ptr, off, size, ptr.memSize, 'mem');
      return Reg.unknown;
    case 'sock':
    case 'sock_common':
    case 'tcp_sock':
      return sockAccess(env, regno, ptr, off, size, write);
    case 'btf_id':
      return btfAccess(env, regno, ptr, off, size, write);
    default: {
      // reg_type_str @6.12 prefixes MEM_RDONLY pointers with rdonly_ (dynptr slices of bpf_dynptr_slice)
      const what = ptr.kind === 'scalar' ? 'scalar' : ptr.rdonly && ptr.dynptr !== undefined ? `rdonly_${ptr.kind}` : kindStr(ptr);
      const code = Reg.isOrNull(ptr) ? 'bpf/null-deref' : 'bpf/mem-access';
      const expl = Reg.isOrNull(ptr)
        ? `r${regno} may be NULL here (${ptr.kind}); check it against NULL before dereferencing.`
        : ptr.kind === 'scalar'
          ? `r${regno} holds a number, not a pointer, so it cannot be dereferenced.`
          : ptr.kind === 'pkt_end'
            ? 'data_end marks the end of the packet and cannot be dereferenced.'
            : `A ${ptr.kind} pointer cannot be dereferenced.`;
      throw new Reject(code, `R${regno} invalid mem access '${what}'`, expl, { kind: ptr.kind });
    }
  }
}

function ctxAccess(env: Env, regno: number, ptr: Reg, off: number, size: number, write: boolean, value: Reg | undefined, signExt: boolean): Reg {
  if (ptr.off !== 0) {
    throw new Reject('bpf/ctx-access', `dereference of modified ctx ptr R${regno} off=${ptr.off} disallowed`, 'Access struct xdp_md fields through the original ctx pointer (r1 at entry) with a constant offset.');
  }
  if (!sc.isConst(ptr.val) || sc.constValue(ptr.val) !== 0n) {
    throw new Reject('bpf/ctx-access', `variable ctx access var_off=${sc.tnumStr(ptr.val)} disallowed`, 'struct xdp_md fields must be accessed at a constant offset.');
  }
  if (write && value && Reg.isPtr(value) && !env.privileged) throw new Reject('bpf/ptr-leak', `R${regno} leaks addr into ctx`, 'A pointer would be written into the context.');
  if (env.prog.progType !== ProgType.XDP) {
    throw new Reject('bpf/other', `xdp-lens models only XDP contexts (program type ${env.prog.progType})`, 'This verifier checks XDP programs only.');
  }
  const v = xdpCtxAccess(env.prog, off, size, write, signExt);
  if (!v.ok) {
    throw new Reject('bpf/ctx-access', `invalid bpf_context access off=${off} size=${size}`, v.why, { off, size });
  }
  if (v.kind === 'u32') return signExt ? Reg.scalar(sc.load(4, true)) : Reg.scalar(sc.load(4));
  return Reg.ptr(v.kind);
}

/** check_packet_access: the fixed part must lie within the proven range r. */
export function checkPktAccess(_env: Env, regno: number, ptr: Reg, off: number, size: number): void {
  const o = off + ptr.off;
  if (ptr.val.smin < 0n) {
    throw new Reject('bpf/pkt-bounds', `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`,
      'The variable part of the packet offset may be negative; use an unsigned index.');
  }
  if (ptr.range < 0) {
    throw new Reject('bpf/pkt-bounds', `R${regno} offset is outside of the packet`,
      'On this path a comparison showed this pointer is at or beyond data_end, so nothing can be read through it.', { off: o, size, range: 0, need: o + size });
  }
  if (!(o >= 0 && size > 0 && o + size <= ptr.range)) {
    throw new Reject('bpf/pkt-bounds', `invalid access to packet, off=${o} size=${size}, R${regno}(id=${ptr.id},off=${o},r=${ptr.range})`,
      ptr.range === 0
        ? `Bytes ${o}..${o + size - 1} of the packet are read but no comparison with data_end proves the packet is that long on this path. Add a check like \`if (data + ${o + size} > data_end) return XDP_DROP;\`.`
        : `Only ${ptr.range} bytes from this pointer are proven readable (by a comparison with data_end), but the access reaches byte ${o + size}. Extend the bounds check to cover ${o + size} bytes.`,
      { off: o, size, range: ptr.range, need: o + size, moreLines: [`R${regno} offset is outside of the packet`] });
  }
}

type Region = 'map' | 'key' | 'mem';

/** check_mem_region_access: constant and variable offsets against a region of `memSize` bytes. */
function checkRegion(env: Env, regno: number, ptr: Reg, off: number, size: number, memSize: number, what: Region): void {
  const o = off + ptr.off;
  const v = ptr.val;
  const fail = (at: bigint, detail: string): never => {
    const kmsg = what === 'map' ? `invalid access to map value, value_size=${memSize} off=${at} size=${size}`
      : what === 'key' ? `invalid access to map key, key_size=${memSize} off=${at} size=${size}`
        : `invalid access to memory, mem_size=${memSize} off=${at} size=${size}`;
    throw new Reject(what === 'mem' ? 'bpf/mem-access' : 'bpf/map-bounds', kmsg, detail, { off: Number(at), size, valueSize: memSize, reg: regStr(env, ptr) });
  };
  const failMax = (at: bigint, detail: string): never => {
    try {
      return fail(at, detail);
    } catch (e) {
      if (e instanceof Reject) throw new Reject(e.code, e.kmsg, e.explanation, { ...e.data, moreLines: [`R${regno} max value is outside of the allowed memory range`] });
      throw e;
    }
  };
  const within = (at: bigint): boolean => at >= 0n && size > 0 && at + BigInt(size) <= BigInt(memSize);
  if (sc.isConst(v)) {
    const at = BigInt.asIntN(64, sc.constValue(v)) + BigInt(o);
    if (!within(at)) fail(at, `The access covers bytes ${at}..${at + BigInt(size) - 1n} but the ${what === 'map' ? 'map value' : what === 'key' ? 'map key' : 'memory'} has ${memSize} bytes.`);
    return;
  }
  if (v.smin < 0n && (v.smin + BigInt(o) < 0n)) {
    throw new Reject(what === 'mem' ? 'bpf/mem-access' : 'bpf/map-bounds', `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`,
      'The index may be negative; make it unsigned or check it is >= 0.', { smin: String(v.smin) });
  }
  const lo = v.smin + BigInt(o);
  if (!within(lo)) {
    try {
      fail(lo, 'The smallest possible offset is outside the value.');
    } catch (e) {
      if (e instanceof Reject) throw new Reject(e.code, e.kmsg, e.explanation, { ...e.data, moreLines: [`R${regno} min value is outside of the allowed memory range`] });
      throw e;
    }
  }
  if (v.umax >= MAX_VAR_OFF) {
    throw new Reject(what === 'mem' ? 'bpf/mem-access' : 'bpf/map-bounds', `R${regno} unbounded memory access, make sure to bounds check any such access`,
      'The index has no upper bound; compare it with the number of elements first.', { umax: String(v.umax) });
  }
  const hi = v.umax + BigInt(o);
  if (!within(hi)) failMax(hi, `The index can reach ${v.umax}, so the access may cover bytes up to ${hi + BigInt(size) - 1n} of a ${memSize}-byte ${what === 'map' ? 'map value' : 'region'}. Bound the index so the access stays inside.`);
}

/** Socket pointers from bpf_sk_lookup_*: read-only struct bpf_sock fields (bpf_sock_is_valid_access). */
function sockAccess(_env: Env, regno: number, ptr: Reg, off: number, size: number, write: boolean): Reg {
  const o = off + ptr.off;
  if (ptr.off !== 0 || !sc.isConst(ptr.val) || sc.constValue(ptr.val) !== 0n) {
    throw new Reject('bpf/mem-access', `R${regno} invalid ${ptr.kind} access off=${o} size=${size}`, 'Socket fields must be accessed at a constant offset from the original pointer.');
  }
  // struct bpf_sock is 80 bytes (include/uapi/linux/bpf.h @6.12); sock_common exposes the fields up
  // to and including rx_queue_mapping... this verifier accepts aligned reads of the documented fields only.
  const limit = ptr.kind === 'sock_common' ? 80 : ptr.kind === 'tcp_sock' ? 112 : 80;
  if (write || o < 0 || o + size > limit || o % size !== 0) {
    throw new Reject('bpf/mem-access', `R${regno} invalid ${ptr.kind} access off=${o} size=${size}`, `This ${ptr.kind} field access is not allowed.`);
  }
  return Reg.unknown;
}

function bad(msg: string): Reject {
  return new Reject('bpf/bad-insn', msg, 'The instruction encoding is invalid.');
}

export { curFrame };
