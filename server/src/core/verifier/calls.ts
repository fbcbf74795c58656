// Calls: helpers (prototype table in helpers.ts), kfuncs, bpf-to-bpf calls and callbacks
// (kernel/bpf/verifier.c @6.12: check_helper_call, check_func_arg, check_helper_mem_access,
// check_mem_size_reg, check_func_call, prepare_func_exit, check_reference_leak).

import type { Insn } from '../isa/insn';
import { MapType } from '../program';
import { helperName } from '../isa/helpers';
import { kernelVersion, mapOf, newId, Reject, type Env } from './env';
import { xdpHelper, xdpKfunc, type KfuncArgKind, type RetKind } from './helpers';
import { forEachReg, markRead, markWritten, readReg } from './regs';
import { sc } from './sc';
import { curFrame, MAX_FRAMES, newFrame, Reg, SB, STACK_SIZE, type CallbackInfo, type VState } from './state';
import { initDynptr, stackBounds, stackHelperAccess, useDynptr } from './stack';
import { checkPktAccess } from './memory';
import { regStr } from './log';
import { btfRefByName, gplCompatible, isTrusted, kfuncRetRef, kindStr, startsWithSockCommon } from './btfPtr';
import { KFUNC_VERSIONS } from '../drivers/kernelFeatures';
import { mapFuncCompatible } from './mapcompat';
import { funcChangesPkt, globalFuncAt, markGlobalCalled } from './globalFuncs';
import { checkSpecialFields, globalCallLocked, mapLock, processSpinLock } from './spinLock';
import type { FuncInfo } from '../program';

const MEM_TYPES = 'fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_';
const MEM_KINDS = new Set(['fp', 'pkt', 'pkt_meta', 'map_key', 'map_value', 'mem', 'ringbuf_mem']);
const SOCK_KINDS = new Set(['sock', 'sock_common', 'tcp_sock']);
const MAX_VAR_SIZ = 1n << 29n;

export interface CallOutcome {
  /** A callback to explore: first slot of its subprogram and the frame set-up. */
  readonly callback?: CallbackInfo;
}

function typeErr(regno: number, r: Reg, expected: string, why: string): Reject {
  return new Reject('bpf/helper-arg', `R${regno} type=${kindStr(r)} expected=${expected}`, why, { reg: regno, got: r.kind, expected });
}

/** Checks and applies a helper call; the state is updated in place (R0 set, R1-R5 cleared). */
export function helperCall(env: Env, insn: Insn, slot: number): CallOutcome {
  const id = insn.imm;
  const name = helperName(id)?.replace(/^bpf_/, '');
  if (name === undefined || id <= 0) {
    throw new Reject('bpf/helper-unavailable', `invalid func unknown#${id}`, `There is no BPF helper with id ${id}.`);
  }
  const proto = xdpHelper(id);
  if (!proto) {
    throw new Reject('bpf/helper-unavailable', `program of this type cannot use helper bpf_${name}#${id}`, `bpf_${name} is not available to XDP programs (net/core/filter.c xdp_func_proto).`, { helper: name });
  }
  const regs = curFrame(env.cur).regs;
  let map = -1;
  let release: Reg | undefined;
  let allocSize = 0;
  let callback: CallOutcome['callback'];
  let constKey: bigint | undefined;
  // check_func_arg @6.12: meta->ref_obj_id is the referenced argument's (pointer casts pass it on)
  let argRef = 0;
  for (let i = 0; i < proto.args.length; i++) {
    const regno = i + 1;
    const kind = proto.args[i]!;
    const r = readReg(env, regno);
    switch (kind) {
      case 'anything':
        if (Reg.isPtr(r) && !env.privileged) throw new Reject('bpf/ptr-leak', `R${regno} leaks addr into helper function`, 'A pointer would be passed as a number.');
        break;
      case 'ctx':
        if (r.kind !== 'ctx') throw typeErr(regno, r, 'ctx', `Argument ${regno} of bpf_${name} must be the program's context pointer (the xdp_md *ctx argument).`);
        if (r.off !== 0 || !sc.isZero(r.val)) throw new Reject('bpf/helper-arg', `dereference of modified ctx ptr R${regno} off=${r.off} disallowed`, 'Pass the original ctx pointer.');
        break;
      case 'map':
        if (r.kind !== 'map_ptr') throw typeErr(regno, r, 'map_ptr', `Argument ${regno} of bpf_${name} must be a map (&my_map).`);
        map = r.map;
        break;
      case 'key':
      case 'value':
      case 'value_out': {
        if (map < 0) throw new Reject('bpf/helper-arg', `invalid map_ptr to access map->${kind === 'key' ? 'key' : 'value'}`, 'The map argument is missing.');
        const m = mapOf(env, map);
        if (kind === 'value' && (m.type === MapType.SOCKMAP || m.type === MapType.SOCKHASH)) {
          // resolve_map_arg_type: a sockmap's value argument is a socket
          if (!SOCK_KINDS.has(r.kind)) throw typeErr(regno, r, 'sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_', 'The value stored into a sockmap must be a non-NULL socket pointer.');
          break;
        }
        const size = kind === 'key' ? m.keySize : m.valueSize;
        if (!MEM_KINDS.has(r.kind)) throw typeErr(regno, r, MEM_TYPES, `Argument ${regno} of bpf_${name} must point to ${size} bytes of memory (the map ${kind === 'key' ? 'key' : 'value'}).`);
        memAccess(env, regno, r, size, kind === 'value_out', kind === 'value_out');
        if (kind === 'key' && r.kind === 'fp' && sc.isConst(r.val)) constKey = stackConst(env, r, size);
        break;
      }
      case 'mem':
      case 'mem_out':
      case 'mem_or_null': {
        const next = proto.args[i + 1];
        const sizeReg = readReg(env, regno + 1);
        if (kind === 'mem_or_null' && r.kind === 'scalar' && sc.isZero(r.val)) {
          // NULL with a zero size is allowed
          if (sizeReg.kind === 'scalar' && sc.isZero(sizeReg.val)) break;
        }
        if (!MEM_KINDS.has(r.kind)) throw typeErr(regno, r, MEM_TYPES, `Argument ${regno} of bpf_${name} must point to memory (stack, packet or map value).`);
        const zeroOk = next === 'size_or_zero';
        const sz = sizeArg(env, regno + 1, sizeReg, zeroOk);
        if (sz > 0 || !zeroOk) memAccess(env, regno, r, sz, kind === 'mem_out' || (kind === 'mem' && writesMem(name)), kind === 'mem_out');
        i++;
        break;
      }
      case 'fixed_mem':
      case 'fixed_out': {
        if (!MEM_KINDS.has(r.kind)) throw typeErr(regno, r, MEM_TYPES, `Argument ${regno} of bpf_${name} must point to memory.`);
        memAccess(env, regno, r, proto.sizes?.[i] ?? 8, kind === 'fixed_out', kind === 'fixed_out');
        break;
      }
      case 'size':
      case 'size_or_zero':
        sizeArg(env, regno, r, kind === 'size_or_zero');
        break;
      case 'alloc_size':
        if (r.kind !== 'scalar') throw typeErr(regno, r, 'scalar', 'The size must be a number.');
        if (!sc.isConst(r.val)) throw new Reject('bpf/helper-arg', `R${regno} is not a known constant'`, `bpf_${name} needs a compile-time constant size.`);
        allocSize = Number(sc.constValue(r.val));
        break;
      case 'sock_common':
        if (r.kind === 'btf_id' && btfSockArg(env, regno, r, false)) {
          if (r.refId) argRef = r.refId;
          break;
        }
        if (!SOCK_KINDS.has(r.kind)) throw typeErr(regno, r, 'sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_', `Argument ${regno} of bpf_${name} must be a non-NULL socket pointer.`);
        if (r.refId) argRef = r.refId;
        break;
      case 'sock_release':
        if (r.kind === 'btf_id' && btfSockArg(env, regno, r, true)) {
          if (!r.refId) throw new Reject('bpf/helper-arg', `R${regno} must be referenced when passed to release function`, 'Only sockets obtained from a lookup helper (or casts of them) can be released.');
          release = r;
          break;
        }
        if (!SOCK_KINDS.has(r.kind)) throw typeErr(regno, r, 'sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_', `bpf_${name} needs a non-NULL socket from bpf_sk_lookup_*; check the lookup result against NULL first.`);
        if (!r.refId) throw new Reject('bpf/helper-arg', `R${regno} must be referenced when passed to release function`, 'Only sockets obtained from a lookup helper can be released.');
        release = r;
        break;
      case 'ringbuf_release':
        if (r.kind !== 'ringbuf_mem') throw typeErr(regno, r, 'ringbuf_mem', `bpf_${name} needs a non-NULL record from bpf_ringbuf_reserve; check it against NULL first.`);
        if (r.off !== 0 || !sc.isZero(r.val)) throw new Reject('bpf/helper-arg', `R${regno} must have zero offset when passed to release func`, 'Pass the pointer bpf_ringbuf_reserve returned, unmodified.');
        if (!r.refId) throw new Reject('bpf/helper-arg', `R${regno} must be referenced when passed to release function`, 'Only records obtained from bpf_ringbuf_reserve can be submitted or discarded.');
        release = r;
        break;
      case 'func':
        if (r.kind !== 'func') throw typeErr(regno, r, 'func', `Argument ${regno} of bpf_${name} must be a static function (the callback).`);
        callback = { start: r.sub, kind: proto.callback ?? 'loop', ctxReg: Reg.unknown, map };
        break;
      case 'stack_or_null':
        if (!(r.kind === 'fp' || (r.kind === 'scalar' && sc.isZero(r.val)))) throw typeErr(regno, r, 'fp', 'The callback context must be a stack pointer or NULL.');
        if (callback) callback = { ...callback, ctxReg: r };
        break;
      case 'const_str':
        constStr(env, regno, r);
        break;
      case 'unmodelled':
        if (proto.dynptrArg === i) {
          useDynptr(env, regno, r);
          break;
        }
        if (proto.spinLockArg === i) {
          // spin_lock_types @6.12: PTR_TO_MAP_VALUE or PTR_TO_BTF_ID | MEM_ALLOC (bpf_obj_new's
          // objects, which XDP programs here cannot make); then process_spin_lock
          if (r.kind !== 'map_value') throw typeErr(regno, r, 'map_value, ptr_', `bpf_${name} needs a pointer to the struct bpf_spin_lock inside a map value${Reg.isOrNull(r) ? '; check the lookup result against NULL first' : ''}.`);
          processSpinLock(env, regno, r, name === 'spin_lock');
          break;
        }
        throw new Reject('bpf/other', `xdp-lens does not model argument ${regno} of bpf_${name}`, `bpf_${name} takes an argument kind (timer, dynptr, kptr) this verifier does not check yet; the call is refused rather than guessed.`);
    }
  }
  if (map >= 0) {
    const m = mapOf(env, map);
    if (!mapFuncCompatible(m.type, id)) {
      if (id === 12) throw new Reject('bpf/helper-arg', 'expected prog array map for tail call', `bpf_tail_call needs a BPF_MAP_TYPE_PROG_ARRAY map; ${m.name} has type ${m.type}.`);
      throw new Reject('bpf/helper-arg', `cannot pass map_type ${m.type} into func bpf_${name}#${id}`, `bpf_${name} cannot be used with map ${m.name} (map type ${m.type}).`, { mapType: m.type });
    }
  }
  if (id === 12 /* tail_call */ && env.cur.refs.length > 0) {
    throw new Reject('bpf/ref-leak', 'tail_call would lead to reference leak', 'A socket or ringbuf record is still held when tail-calling; release it first.');
  }
  if (release) releaseRef(env, release.refId);
  if (proto.changesPkt) clearPktPointers(env);
  for (let r = 1; r <= 5; r++) regs[r] = Reg.notInit;
  if (env.cur.frames.length === 1) markWritten(env.cur, 0x3f);
  regs[0] = proto.ret === 'btf_id_or_null'
    ? Reg.ptr('btf_id_or_null', { id: newId(env), refId: proto.ptrCast ? argRef : 0, btf: btfRefByName(env, proto.retStruct ?? 'unknown') })
    : retReg(env, proto.ret, map, allocSize, proto.acquire, slot, id, constKey);
  if (env.cur.frames.length === 1) env.cur.r0Def = slot;
  return callback ? { callback } : {};
}

/**
 * A BTF pointer passed as ARG_PTR_TO_BTF_ID_SOCK_COMMON (check_reg_type and check_func_arg_reg_off,
 * kernel/bpf/verifier.c @6.12): plain or trusted (not untrusted; a maybe-NULL one is not in the
 * type list and falls to the caller's type error), with its fixed offset at a struct sock_common
 * (btf_struct_ids_match). Returns false when the register is not such a pointer kind at all.
 */
function btfSockArg(env: Env, regno: number, r: Reg, release: boolean): boolean {
  if (r.btf?.trust === 'untrusted' || r.btf?.tag !== undefined) return false;
  if (!startsWithSockCommon(env, r.btf!, r.off)) {
    throw new Reject('bpf/helper-arg', `R${regno} is of type ${r.btf?.name ?? ''} but sock_common is expected`, `A struct ${r.btf?.name ?? ''} is not a socket: the argument must point to a struct that begins with struct sock_common.`, { reg: regno });
  }
  // check_func_arg_reg_off, then __check_ptr_off_reg (fixed offsets allowed unless released)
  if (release && r.off !== 0) throw new Reject('bpf/helper-arg', `R${regno} must have zero offset when passed to release func or trusted arg to kfunc`, 'Pass the socket pointer itself, unmodified.', { reg: regno });
  if (r.off < 0) throw new Reject('bpf/helper-arg', `negative offset ${kindStr(r)} ptr R${regno} off=${r.off} disallowed`, 'Pass the socket pointer itself.', { reg: regno });
  if (!sc.isConst(r.val) || sc.constValue(r.val) !== 0n) {
    throw new Reject('bpf/helper-arg', `variable ${kindStr(r)} access var_off=${sc.tnumStr(r.val)} disallowed`, 'Pass the socket pointer at a constant offset.', { reg: regno });
  }
  return true;
}

/** bpf_loop etc. write through helpers that take a writable ARG_PTR_TO_MEM (fib_lookup's params). */
function writesMem(name: string): boolean {
  return name === 'fib_lookup' || name === 'tcp_raw_gen_syncookie_ipv4' || name === 'tcp_raw_gen_syncookie_ipv6';
}

/** check_mem_size_reg: a scalar with known bounds; returns the largest size. */
function sizeArg(env: Env, regno: number, r: Reg, zeroOk: boolean): number {
  void env;
  if (r.kind !== 'scalar') throw typeErr(regno, r, 'scalar', 'A size argument must be a number.');
  const v = r.val;
  if (v.smin < 0n) throw new Reject('bpf/helper-arg', `R${regno} min value is negative, either use unsigned or 'var &= const'`, 'The size may be negative; make it unsigned and bound it.');
  if (v.umin === 0n && !zeroOk) throw new Reject('bpf/helper-arg', `R${regno} invalid zero-sized read: u64=[${v.umin},${v.umax}]`, 'The size may be zero, which this helper does not accept; prove it is at least 1.');
  if (v.umax >= MAX_VAR_SIZ) throw new Reject('bpf/helper-arg', `R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`, 'The size has no upper bound; bound it before the call.');
  return Number(v.umax);
}

/** check_helper_mem_access: `size` bytes through `r`. */
function memAccess(env: Env, regno: number, r: Reg, size: number, write: boolean, uninitOk: boolean): void {
  switch (r.kind) {
    case 'pkt':
    case 'pkt_meta':
      checkPktAccess(env, regno, r, 0, size);
      return;
    case 'fp': {
      const [lo, hi] = stackBounds(regno, r, 0, size, env.kver >= 614 ? (write ? 'helperWrite' : 'helperRead') : 'helper');
      stackHelperAccess(env, env.cur.frames[r.frame]!, regno, lo, hi, write, uninitOk);
      return;
    }
    case 'map_value':
    case 'map_key': {
      const m = mapOf(env, r.map);
      const limit = r.kind === 'map_key' ? m.keySize : m.valueSize;
      if (write && m.readonly && r.kind === 'map_value') throw new Reject('bpf/mem-access', `write into map forbidden, value_size=${m.valueSize} off=${r.off} size=${size}`, `Map ${m.name} is read-only.`);
      region(env, regno, r, size, limit, r.kind === 'map_key' ? 'map key' : 'map value');
      // check_map_access with ACCESS_HELPER @6.12: a helper may not read or write those fields either
      if (r.kind === 'map_value') checkSpecialFields(env, r, r.off, size);
      return;
    }
    default:
      region(env, regno, r, size, r.memSize, 'memory');
  }
}

function region(env: Env, regno: number, r: Reg, size: number, limit: number, what: string): void {
  const lo = r.val.smin + BigInt(r.off);
  const hi = r.val.umax + BigInt(r.off) + BigInt(size);
  if (r.val.smin < 0n && lo < 0n) throw new Reject('bpf/map-bounds', `R${regno} min value is negative, either use unsigned index or do a if (index >=0) check.`, 'The pointer offset may be negative.');
  if (r.val.umax >= 1n << 29n) throw new Reject('bpf/map-bounds', `R${regno} unbounded memory access, make sure to bounds check any such access`, 'The pointer offset has no upper bound.');
  if (lo < 0n || hi > BigInt(limit)) {
    const head = what === 'map value' ? `invalid access to map value, value_size=${limit} off=${sc.isConst(r.val) ? lo : r.val.umax + BigInt(r.off)} size=${size}`
      : what === 'map key' ? `invalid access to map key, key_size=${limit} off=${lo} size=${size}` : `invalid access to memory, mem_size=${limit} off=${lo} size=${size}`;
    throw new Reject(what === 'memory' ? 'bpf/mem-access' : 'bpf/map-bounds', head, `The helper would access up to byte ${hi - 1n} of a ${limit}-byte ${what} (${regStr(env, r)}).`);
  }
}

/** The value of a constant key on the stack (spilled constant), for the array-lookup rule. */
function stackConst(env: Env, r: Reg, size: number): bigint | undefined {
  const f = env.cur.frames[r.frame]!;
  const lo = Number(BigInt.asIntN(64, sc.constValue(r.val))) + r.off;
  const i0 = STACK_SIZE + lo;
  let allZero = true;
  for (let b = i0; b < i0 + size; b++) if (f.stype[b] !== SB.ZERO) allZero = false;
  if (allZero) return 0n;
  if ((i0 & 7) !== 0) return undefined;
  const sp = f.spill[i0 >> 3];
  if (sp && sp.kind === 'scalar' && sc.isConst(sp.val) && f.stype[i0] === SB.SPILL) {
    let n = 0;
    while (n < 8 && f.stype[i0 + n] === SB.SPILL) n++;
    if (n >= size) return BigInt.asUintN(size * 8, sc.constValue(sp.val));
  }
  return undefined;
}

function constStr(env: Env, regno: number, r: Reg): void {
  if (r.kind !== 'map_value') throw typeErr(regno, r, 'map_value', 'The format/compare string must be a constant string (in .rodata).');
  const m = mapOf(env, r.map);
  if (!m.readonly) throw new Reject('bpf/helper-arg', `R${regno} does not point to a readonly map'`, 'The string must live in read-only data (.rodata).');
  if (!sc.isConst(r.val)) throw new Reject('bpf/helper-arg', `R${regno} is not a constant address'`, 'The string address must be constant.');
  const at = Number(sc.constValue(r.val)) + r.off;
  const data = m.initial;
  if (!data || at < 0 || at >= data.length) throw new Reject('bpf/helper-arg', `R${regno} invalid access to map value`, 'The string lies outside the map value.');
  if (data.indexOf(0, at) < 0) throw new Reject('bpf/helper-arg', 'string is not zero-terminated', 'The constant string has no terminating NUL.');
}

function retReg(env: Env, ret: RetKind, map: number, allocSize: number, acquire: 'sock' | 'ringbuf' | undefined, slot: number, helper: number, constKey: bigint | undefined): Reg {
  switch (ret) {
    case 'integer':
      return Reg.unknown;
    case 'void':
      return Reg.notInit;
    case 'map_value_or_null': {
      const m = mapOf(env, map);
      if (m.type === MapType.PROG_ARRAY || m.type === MapType.DEVMAP || m.type === MapType.XSKMAP || m.type === MapType.CPUMAP || m.type === MapType.SOCKMAP || m.type === MapType.SOCKHASH || m.type === MapType.DEVMAP_HASH) {
        // these map types have no lookup from programs (or return other objects): refuse conservatively
        if (m.type === MapType.PROG_ARRAY) throw new Reject('bpf/helper-arg', `cannot pass map_type ${m.type} into func bpf_map_lookup_elem#1`, `Programs cannot look up elements of map ${m.name} (type ${m.type}).`);
      }
      if (m.type === MapType.ARRAY_OF_MAPS || m.type === MapType.HASH_OF_MAPS) {
        const inner = env.innerOf.get(map);
        if (inner === undefined) throw new Reject('bpf/other', `map ${m.name} has no inner map template`, 'The map-in-map has no inner map definition.');
        return Reg.ptr('map_value_or_null', { map: inner, id: newId(env), innerMap: true });
      }
      if (m.type === MapType.SOCKMAP || m.type === MapType.SOCKHASH) {
        const refId = addRef(env, slot, 'sock');
        return Reg.ptr('sock_or_null', { id: refId, refId });
      }
      if (m.type === MapType.XSKMAP) {
        // PTR_TO_XDP_SOCK: only queue_id (4 bytes) is readable (bpf_xdp_sock_is_valid_access)
        return Reg.ptr('mem_or_null', { id: newId(env), memSize: 4, rdonly: true });
      }
      // Linux 6.14+: a lookup in an array map with a constant in-range key is never NULL.
      if (env.kver >= 614 && helper === 1 && (m.type === MapType.ARRAY || m.type === MapType.PERCPU_ARRAY) && constKey !== undefined && constKey < BigInt(m.maxEntries)) {
        // check_helper_call @6.12 (RET_PTR_TO_MAP_VALUE): a never-NULL value of a map holding a
        // bpf_spin_lock gets a fresh id, so two lookups are two locks even with the same key
        return Reg.ptr('map_value', { map, id: mapLock(env.obj, m).kind === 'lock' ? newId(env) : 0 });
      }
      return Reg.ptr('map_value_or_null', { map, id: newId(env) });
    }
    case 'sock_or_null':
    case 'sock_common_or_null':
    case 'tcp_sock_or_null': {
      newId(env);
      const refId = acquire ? addRef(env, slot, 'sock') : 0;
      return Reg.ptr(ret, { id: refId || newId(env), refId });
    }
    case 'ringbuf_mem_or_null': {
      newId(env); // the kernel numbers the maybe-NULL id first, then the reference
      const refId = addRef(env, slot, 'ringbuf');
      return Reg.ptr('ringbuf_mem_or_null', { id: refId, refId, memSize: allocSize });
    }
    case 'btf_id_or_null':
      // set by helperCall (it needs the prototype's retStruct)
      return Reg.ptr('btf_id_or_null', { id: newId(env), btf: btfRefByName(env, 'unknown') });
  }
}

function addRef(env: Env, slot: number, kind: 'sock' | 'ringbuf'): number {
  const id = newId(env);
  env.cur.refs.push({ id, insn: slot, kind });
  return id;
}

/** release_reference: drops the reference and invalidates every copy of the released pointer. */
export function releaseRef(env: Env, refId: number): void {
  env.cur.refs = env.cur.refs.filter((r) => r.id !== refId);
  const inval = env.privileged ? Reg.unknown : Reg.notInit;
  forEachReg(env.cur, (r) => r.refId === refId, () => inval);
}

/** clear_all_pkt_pointers after helpers that may move packet data. */
export function clearPktPointers(env: Env): void {
  const inval = env.privileged ? Reg.unknown : Reg.notInit;
  // (kernel/bpf/verifier.c @6.12: clear_all_pkt_pointers) also slices of XDP dynptrs
  // (reg_is_dynptr_slice_pkt), the only dynptr slices modelled.
  forEachReg(env.cur, (r) => r.kind === 'pkt' || r.kind === 'pkt_meta' || r.kind === 'pkt_end' || r.dynptr !== undefined, () => inval);
}

/**
 * What is checked of every kfunc call before the verifier explores anything, in this order: libbpf
 * resolves the extern against the kernel's BTF (a kfunc the target kernel predates is not found:
 * bpf_object__resolve_ksym_func_btf_id), then add_kfunc_call (kernel/bpf/verifier.c @6.12) wants a
 * GPL-compatible program, a kfunc registered for XDP, and a device-bound program for the XDP
 * metadata kfuncs. Each finding points at the call (the kernel's log names no line for these).
 */
export function checkKfuncCalls(env: Env): void {
  for (const [slot, name] of env.kfuncAt) {
    env.cur.pc = slot;
    const since = KFUNC_VERSIONS[name];
    if (since && env.kver < kernelVersion(since.xdp ?? since.since)) {
      throw new Reject('bpf/helper-unavailable', `libbpf: extern (func ksym) '${name}': not found in kernel or module BTFs`,
        `${name} exists for XDP programs since Linux ${since.xdp ?? since.since} (${since.source}${since.uncertain ? `; ${since.uncertain}` : ''}); the target kernel is older, so the program cannot load.`,
        { kfunc: name, kernelNeeded: since.xdp ?? since.since });
    }
    if (!gplCompatible(env.obj.license)) {
      throw new Reject('bpf/helper-unavailable', 'cannot call kernel function from non-GPL compatible program', 'Programs calling kfuncs must be GPL-compatible: declare `char LICENSE[] SEC("license") = "GPL";`.', { kfunc: name });
    }
    if (!xdpKfunc(name)) throw new Reject('bpf/helper-unavailable', `calling kernel function ${name} is not allowed`, `${name} is not a kfunc XDP programs may call.`, { kfunc: name });
    if (name.startsWith('bpf_xdp_metadata_') && !env.devBound) {
      throw new Reject('bpf/helper-unavailable', 'metadata kfuncs require device-bound program', `${name} reads hardware metadata, which needs the program loaded for one device (prog_ifindex with BPF_F_XDP_DEV_BOUND_ONLY).`, { kfunc: name });
    }
  }
  env.cur.pc = 0;
}

/** kfunc call (src = BPF_PSEUDO_KFUNC_CALL). */
export function kfuncCall(env: Env, slot: number): void {
  const name = env.kfuncAt.get(slot);
  if (!name) throw new Reject('bpf/helper-unavailable', 'kernel function call without a name (missing BTF)', 'The loader could not resolve which kernel function this call targets.');
  const k = xdpKfunc(name);
  if (!k) throw new Reject('bpf/helper-unavailable', `calling kernel function ${name} is not allowed`, `${name} is not a kfunc XDP programs may call.`, { kfunc: name });
  const regs = curFrame(env.cur).regs;
  let dynptrId = 0;
  let constSize = -1;
  const args = k.kargs ?? k.args;
  for (let i = 0; i < args.length; i++) {
    const regno = i + 1;
    const kind: KfuncArgKind = args[i]!;
    const r = readReg(env, regno);
    if (k.trustedArgs && kind !== 'scalar' && ((r.kind === 'scalar' && sc.isZero(r.val)) || Reg.isOrNull(r))) {
      // check_kfunc_args @6.12: KF_TRUSTED_ARGS pointers (none of these is __nullable)
      throw new Reject('bpf/helper-arg', `Possibly NULL pointer passed to trusted arg${i}`, `Argument ${regno} of ${name} must not be NULL; check it against NULL first.`, { reg: regno, got: r.kind });
    }
    if (kind === 'scalar') {
      if (r.kind !== 'scalar') throw new Reject('bpf/helper-arg', `R${regno} is not a scalar`, `Argument ${regno} of ${name} is a number.`, { reg: regno, got: r.kind });
    } else if (kind === 'dynptr') {
      // check_kfunc_args KF_ARG_PTR_TO_DYNPTR -> process_dynptr_func (kernel/bpf/verifier.c @6.12)
      dynptrId = useDynptr(env, regno, r);
    } else if (kind === 'dynptr_uninit') {
      // process_dynptr_func with MEM_UNINIT: a new XDP dynptr (bpf_dynptr_clone's is one too: its
      // parent, the only kind modelled, is an unreferenced XDP dynptr).
      initDynptr(env, regno, r, newId(env));
    } else if (kind === 'buf_opt_szk') {
      // KF_ARG_PTR_TO_MEM_SIZE: a NULL `__opt` buffer skips the size check (check_kfunc_mem_size_reg
      // reads and writes the buffer); the `__szk` size must then be a known constant.
      const sizeReg = readReg(env, regno + 1);
      if (!(r.kind === 'scalar' && sc.isZero(r.val))) {
        if (!MEM_KINDS.has(r.kind)) throw new Reject('bpf/helper-arg', `arg#${i} arg#${i + 1} memory, len pair leads to invalid memory access`, `Argument ${regno} of ${name} must be NULL or point to memory (usually a stack buffer).`, { reg: regno, got: r.kind });
        const sz = sizeArg(env, regno + 1, sizeReg, true);
        if (sz > 0) {
          memAccess(env, regno, r, sz, false, false);
          memAccess(env, regno, r, sz, true, false);
        }
      }
      if (sizeReg.kind !== 'scalar' || !sc.isConst(sizeReg.val)) {
        throw new Reject('bpf/helper-arg', `R${regno + 1} must be a known constant`, `The size argument of ${name} (buffer__szk) must be a compile-time constant.`, { reg: regno + 1 });
      }
      constSize = Number(sc.constValue(sizeReg.val));
      i++;
    } else if (kind === 'ctx') {
      if (r.kind !== 'ctx') throw new Reject('bpf/helper-arg', `arg#${i} expected pointer to ctx, but got ${r.kind}`, `Argument ${regno} of ${name} must be the ctx pointer.`);
    } else if (kind === 'struct_mem') {
      const want = k.argStructs?.[i] ?? 'unknown';
      if (r.kind === 'btf_id') {
        // get_kfunc_ptr_arg_type: a BTF pointer is KF_ARG_PTR_TO_BTF_ID, trusted under
        // KF_TRUSTED_ARGS, and of the parameter's struct (process_kf_arg_ptr_to_btf_id; the
        // kernel also accepts a struct whose first member, recursively, is the parameter's struct).
        if (k.trustedArgs && !isTrusted(r)) throw new Reject('bpf/helper-arg', `R${regno} must be referenced or trusted`, `Argument ${regno} of ${name} must be a trusted pointer; a pointer loaded out of a kernel object is not.`, { reg: regno });
        if (r.btf?.name !== want) {
          throw new Reject('bpf/helper-arg', `kernel function ${name} args#${i} expected pointer to STRUCT ${want} but R${regno} has a pointer to STRUCT ${r.btf?.name ?? ''}`, `Argument ${regno} of ${name} is a struct ${want} *.`, { reg: regno });
        }
        continue;
      }
      // KF_ARG_PTR_TO_MEM: check_mem_reg reads, then writes, sizeof(struct) bytes
      if (!MEM_KINDS.has(r.kind)) throw typeErr(regno, r, 'fp', `Argument ${regno} of ${name} must point to a struct ${want} (${k.sizes?.[i] ?? 0} bytes), e.g. on the stack.`);
      memAccess(env, regno, r, k.sizes?.[i] ?? 0, false, false);
      memAccess(env, regno, r, k.sizes?.[i] ?? 0, true, false);
    } else if (kind === 'fixed_out' || kind === 'fixed_mem') {
      if (!MEM_KINDS.has(r.kind)) throw new Reject('bpf/helper-arg', `arg#${i} pointer type ${r.kind} must point to scalar, or struct with scalar`, `Argument ${regno} of ${name} must point to memory.`);
      memAccess(env, regno, r, k.sizes?.[i] ?? 8, kind === 'fixed_out', kind === 'fixed_out');
    } else if (kind === 'unmodelled') {
      throw new Reject('bpf/other', `xdp-lens does not model argument ${regno} of ${name}`, `${name} takes an argument kind this verifier does not check yet; the call is refused rather than guessed.`);
    }
  }
  for (let r = 1; r <= 5; r++) regs[r] = Reg.notInit;
  if (env.cur.frames.length === 1) markWritten(env.cur, 0x3f);
  if (k.slice) {
    // check_kfunc_call @6.12 (KF_bpf_dynptr_slice / _rdwr): PTR_TO_MEM | DYNPTR_TYPE_XDP (| MEM_RDONLY)
    // | PTR_MAYBE_NULL, mem_size = buffer__szk, dynptr_id = the dynptr's id
    regs[0] = Reg.ptr('mem_or_null', { id: newId(env), memSize: constSize, rdonly: k.slice === 'rdonly', dynptr: dynptrId });
  } else {
    // check_kfunc_call @6.12: a struct pointer return is PTR_TO_BTF_ID (| PTR_MAYBE_NULL with a
    // fresh id under KF_RET_NULL), typed by the kfunc's BTF return type
    regs[0] = k.ret === 'integer' ? Reg.unknown
      : k.ret === 'btf_id_or_null' ? Reg.ptr('btf_id_or_null', { id: newId(env), btf: kfuncRetRef(env, name, k.retStruct ?? 'unknown') })
        : Reg.ptr('mem_or_null', { id: newId(env), rdonly: true });
  }
  if (env.cur.frames.length === 1) env.cur.r0Def = slot;
}

/** bpf-to-bpf call: pushes a frame; returns the callee's first slot. */
export function subprogCall(env: Env, insn: Insn, slot: number): number {
  const target = slot + insn.imm + 1;
  if (target < 0 || target >= env.insns.length) throw new Reject('bpf/bad-insn', `jump out of range from insn ${slot} to ${target}`, 'The call target is outside the program.');
  const s = env.cur;
  if (s.frames.length >= MAX_FRAMES) {
    throw new Reject('bpf/call-depth', `the call stack of ${s.frames.length + 1} frames is too deep`, 'bpf-to-bpf calls may nest at most 8 frames deep.');
  }
  const global = globalFuncAt(env, target);
  if (global) return globalCall(env, slot, global);
  const caller = curFrame(s);
  const regs: Reg[] = new Array(11).fill(Reg.notInit);
  for (let r = 1; r <= 5; r++) {
    regs[r] = caller.regs[r]!;
    if (s.frames.length === 1) markRead(s, r);
  }
  if (s.frames.length === 1) markWritten(s, 0x3f);
  regs[10] = Reg.ptr('fp', { frame: s.frames.length });
  for (let r = 0; r <= 5; r++) caller.regs[r] = Reg.notInit;
  s.frames.push(newFrame(slot, target, regs));
  return target;
}

/** Enters a callback (bpf_loop / for_each_map_elem) in a new frame. */
export function enterCallback(env: Env, slot: number, cb: NonNullable<CallOutcome['callback']>): number {
  const s = env.cur;
  if (s.frames.length >= MAX_FRAMES) {
    throw new Reject('bpf/call-depth', `the call stack of ${s.frames.length + 1} frames is too deep`, 'bpf-to-bpf calls may nest at most 8 frames deep.');
  }
  const regs: Reg[] = new Array(11).fill(Reg.notInit);
  if (cb.kind === 'loop') {
    regs[1] = Reg.scalar(sc.load(4)); // index: u32
    regs[2] = cb.ctxReg;
  } else {
    const m = mapOf(env, cb.map);
    regs[1] = Reg.ptr('map_ptr', { map: cb.map });
    regs[2] = Reg.ptr('map_key', { map: cb.map });
    regs[3] = Reg.ptr('map_value', { map: cb.map });
    regs[4] = cb.ctxReg;
    void m;
  }
  regs[10] = Reg.ptr('fp', { frame: s.frames.length });
  s.frames.push(newFrame(slot, cb.start, regs, { retMin: 0n, retMax: 1n, reenter: cb }));
  return cb.start;
}

/** Returns from a subprogram/callback frame; returns the caller's next slot. */
export function frameExit(env: Env): number {
  const s: VState = env.cur;
  const callee = s.frames.pop()!;
  const caller = curFrame(s);
  const r0 = callee.regs[0]!;
  if (callee.callback) {
    if (r0.kind === 'not_init') throw new Reject('bpf/exit-r0', 'R0 !read_ok', 'The callback must return a value.');
    if (r0.kind !== 'scalar') throw new Reject('bpf/exit-r0', `At callback return the register R0 is not a known value (${r0.kind})`, 'The callback must return 0 or 1.');
    if (r0.val.smin < callback(callee).retMin || r0.val.smax > callback(callee).retMax) {
      throw new Reject('bpf/exit-r0', `At callback return the register R0 has smin=${r0.val.smin} smax=${r0.val.smax} should have been in [0, 1]`, 'bpf_loop / for_each callbacks must return 0 (continue) or 1 (stop).');
    }
    caller.regs[0] = Reg.unknown;
    if (s.frames.length === 1) markWritten(s, 1);
  } else {
    if (r0.kind === 'fp') throw new Reject('bpf/mem-access', 'cannot return stack pointer to the caller', 'A function cannot return a pointer into its own stack frame.');
    caller.regs[0] = r0;
    if (s.frames.length === 1) markWritten(s, 1);
  }
  if (s.frames.length === 1) s.r0Def = callee.callsite;
  return callee.callsite + 1;
}

function callback(f: { callback?: { retMin: bigint; retMax: bigint } }): { retMin: bigint; retMax: bigint } {
  return f.callback!;
}

const NULLABLE_TO_PTR: Partial<Record<Reg['kind'], Reg['kind']>> = { map_value_or_null: 'map_value', mem_or_null: 'mem', ringbuf_mem_or_null: 'ringbuf_mem' };

/**
 * A call to a global function (check_func_call for a global subprog, btf_check_func_arg_match
 * @6.12): the arguments must match the BTF prototype; the callee is not entered (it is verified
 * on its own, globalFuncs.ts); R1-R5 are clobbered and R0 is an unknown scalar. Returns the next slot.
 */
function globalCall(env: Env, slot: number, f: FuncInfo): number {
  const bad = (kmsg: string, why: string, regno?: number): Reject =>
    new Reject(regno === undefined ? 'bpf/other' : 'bpf/helper-arg', kmsg, `${why} (Caller passes invalid args into func '${f.name}'.)`, { func: f.name, ...(regno !== undefined ? { reg: regno } : {}) });
  // check_func_call @6.12: the lock rule comes before the argument mismatch is reported
  globalCallLocked(env, f.name);
  if (f.paramError !== undefined || !f.params) {
    throw bad(f.paramError ?? 'Global functions need valid BTF', `The kernel verifies global function ${f.name}() from its BTF prototype, and this prototype is not one it (or xdp-lens) accepts; make the function static or change its signature.`);
  }
  f.params.forEach((p, i) => {
    const regno = i + 1;
    const r = readReg(env, regno);
    if (p.kind === 'scalar') {
      if (r.kind !== 'scalar') throw bad(`R${regno} is not a scalar`, `Argument ${regno} of ${f.name}() is declared as a number but receives ${r.kind}.`, regno);
    } else if (p.kind === 'ctx') {
      if (r.kind === 'ctx' && (r.off !== 0 || !sc.isZero(r.val))) throw bad(`dereference of modified ctx ptr R${regno} off=${r.off} disallowed`, 'Pass the original ctx pointer.', regno);
      if (r.kind !== 'ctx') throw bad(`arg#${i} expects pointer to ctx`, `Argument ${regno} of ${f.name}() is the program context; pass ctx itself.`, regno);
    } else {
      // check_mem_reg: NULL passes; a maybe-NULL pointer is checked as if non-NULL; the memory must
      // be readable and writable for the pointee size.
      if (r.kind === 'scalar' && sc.isZero(r.val)) return;
      const nonNull = NULLABLE_TO_PTR[r.kind];
      if (nonNull && !p.nullable) throw bad(`arg#${i} is expected to be non-NULL`, `Argument ${regno} of ${f.name}() is tagged arg:nonnull; check the pointer against NULL first.`, regno);
      const asPtr: Reg = nonNull ? { ...r, kind: nonNull } : r;
      if (!MEM_KINDS.has(asPtr.kind)) throw typeErr(regno, r, MEM_TYPES, `Argument ${regno} of ${f.name}() must point to at least ${p.size} bytes of memory (or be NULL).`);
      memAccess(env, regno, asPtr, p.size, true, false);
    }
  });
  const s = env.cur;
  const regs = curFrame(s).regs;
  // Linux 6.13+: packet pointers do not survive a global function that may change packet data.
  if (env.kver >= 613 && funcChangesPkt(env, f.start)) clearPktPointers(env);
  markGlobalCalled(env, f);
  for (let r = 1; r <= 5; r++) regs[r] = Reg.notInit;
  if (s.frames.length === 1) markWritten(s, 0x3f);
  regs[0] = Reg.unknown;
  if (s.frames.length === 1) s.r0Def = slot;
  return slot + 1;
}
