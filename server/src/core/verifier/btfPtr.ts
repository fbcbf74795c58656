// BTF-typed pointers (PTR_TO_BTF_ID): pointers to kernel objects that helpers and kfuncs return
// (bpf_skc_to_tcp_sock, bpf_xdp_flow_lookup) and that loads out of such objects produce. Facts, all
// from Linux 6.12: check_ptr_to_btf_access and mark_btf_ld_reg (kernel/bpf/verifier.c),
// btf_struct_access and btf_struct_walk (kernel/bpf/btf.c), reg_type_str (kernel/bpf/log.c).
//
// The kernel types these pointers with its own (vmlinux or module) BTF. xdp-lens has only the
// program's BTF, so the pointee is the program's declaration of the struct, found by name, and its
// layout is the program's (the loader applies no CO-RE relocation; libbpf would move the field
// offsets to the running kernel's layout). A struct the program's BTF does not define (absent or
// only forward-declared) cannot be checked: accesses through it are refused, not guessed.

import type { Btf } from '../btf';
import type { BtfComposite, BtfType } from '../btf/types';
import { Reject, type Env } from './env';
import { sc } from './sc';
import { Reg, type BtfRef } from './state';

/** The kernel's reg_type_str for a register (only the BTF pointer kinds differ from `kind`). */
export function kindStr(r: Reg): string {
  if (r.kind !== 'btf_id' && r.kind !== 'btf_id_or_null') return r.kind;
  const b = r.btf;
  // prefix order of reg_type_str: user_, percpu_, (rcu_), untrusted_, trusted_
  const prefix = `${b?.tag === 'user' ? 'user_' : b?.tag === 'percpu' ? 'percpu_' : ''}${b?.trust ? `${b.trust}_` : ''}`;
  return `${prefix}ptr_${r.kind === 'btf_id_or_null' ? 'or_null_' : ''}`;
}

/**
 * is_trusted_reg (kernel/bpf/verifier.c @6.12): a referenced pointer, or one flagged PTR_TRUSTED,
 * without an unsafe modifier (PTR_UNTRUSTED, MEM_USER, MEM_PERCPU).
 */
export function isTrusted(r: Reg): boolean {
  if (r.kind !== 'btf_id' || !r.btf) return false;
  if (r.btf.trust === 'untrusted' || r.btf.tag !== undefined) return false;
  return r.refId !== 0 || r.btf.trust === 'trusted';
}

/**
 * The program's BTF type for a kernel struct `name` (a complete struct/union preferred over a
 * forward declaration); id 0 when the program does not define it.
 */
export function btfRefByName(env: Env, name: string, trust?: BtfRef['trust']): BtfRef {
  const btf = env.obj.btf;
  let def = btf?.allByName(name).find(isDefined);
  // a CO-RE flavour of it (`struct tcp_sock___local`: libbpf ignores the ___ suffix when matching)
  def ??= btf?.types.find((t): t is BtfComposite => isDefined(t) && t.name.startsWith(`${name}___`));
  return { id: def ? def.id : 0, name, ...(trust ? { trust } : {}) };
}

/**
 * A struct/union with a layout to check against. An empty one (`struct x___local {};`, as the
 * kernel's selftests declare kfunc return types they never read) says nothing about the kernel's
 * layout: it counts as undefined, like a forward declaration.
 */
function isDefined(t: BtfType | undefined): t is BtfComposite {
  return isComposite(t) && (t.members.length > 0 || t.size > 0);
}

/** The kernel's name of a program type: a CO-RE flavour's `___suffix` dropped. */
export function kernelName(name: string): string {
  const i = name.indexOf('___');
  return i > 0 ? name.slice(0, i) : name;
}

/**
 * The struct a kfunc returns a pointer to, from the program's extern declaration of it
 * (FUNC -> FUNC_PROTO -> PTR -> STRUCT); `fallback` (the kernel's type name) when the program's
 * BTF does not declare the kfunc.
 */
export function kfuncRetRef(env: Env, kfunc: string, fallback: string): BtfRef {
  const btf = env.obj.btf;
  const fn = btf?.allByName(kfunc, 'func')[0];
  const proto = fn && fn.kind === 'func' ? btf!.typeById(fn.type) : undefined;
  if (btf && proto && proto.kind === 'func_proto') {
    const ret = btf.resolve(proto.returnType);
    const pointee = ret && ret.kind === 'ptr' ? btf.resolve(ret.type) : undefined;
    if (isDefined(pointee)) return { id: pointee.id, name: kernelName(pointee.name) };
    if (pointee && (pointee.kind === 'fwd' || isComposite(pointee))) return btfRefByName(env, kernelName(pointee.name));
  }
  return btfRefByName(env, fallback);
}

/** license_is_gpl_compatible (kernel/module/main.c @6.12). */
export function gplCompatible(license: string | undefined): boolean {
  return license !== undefined && ['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL'].includes(license);
}

/**
 * A load or store through a btf_id register (check_ptr_to_btf_access, then btf_struct_access):
 * the checks run in the kernel's order, each with its message. A read yields an unknown scalar
 * (execLdx narrows it to the access size) or, for an 8-byte read of a pointer member whose
 * pointee is a struct, a BTF pointer to that struct.
 */
export function btfAccess(env: Env, regno: number, ptr: Reg, off: number, size: number, write: boolean): Reg {
  const ref = ptr.btf!;
  const o = ptr.off + off;
  const tname = ref.name;
  const fail = (kmsg: string, why: string): never => {
    throw new Reject('bpf/mem-access', kmsg, why, { struct: tname, off: o, size });
  };
  if (!env.privileged) fail(`'struct ${tname}' access is allowed only to CAP_PERFMON and CAP_SYS_ADMIN`, 'Reading kernel objects needs CAP_PERFMON (or CAP_SYS_ADMIN).');
  if (!gplCompatible(env.obj.license)) fail(`Cannot access kernel 'struct ${tname}' from non-GPL compatible program`, 'Kernel objects may be read only by GPL-compatible programs: declare `char LICENSE[] SEC("license") = "GPL";`.');
  if (o < 0) fail(`R${regno} is ptr_${tname} invalid negative access: off=${o}`, `The access starts ${-o} bytes before struct ${tname}.`);
  if (!sc.isConst(ptr.val) || sc.constValue(ptr.val) !== 0n) {
    fail(`R${regno} is ptr_${tname} invalid variable offset: off=${o}, var_off=${sc.tnumStr(ptr.val)}`, `Fields of struct ${tname} must be read at a constant offset; a pointer moved by a variable amount cannot be dereferenced.`);
  }
  if (ref.tag === 'user') fail(`R${regno} is ptr_${tname} access user memory: off=${o}`, 'This pointer (tagged __user) points to user memory; read it with bpf_probe_read_user().');
  if (ref.tag === 'percpu') fail(`R${regno} is ptr_${tname} access percpu memory: off=${o}`, 'This pointer (tagged __percpu) must go through bpf_per_cpu_ptr() / bpf_this_cpu_ptr() first.');
  if (write) {
    // PTR_UNTRUSTED: refused at once; otherwise XDP's btf_struct_access hook (xdp_btf_struct_access,
    // net/core/filter.c @6.12) allows writes only to nf_conn fields, none of which is modelled here.
    fail('only read is supported', `struct ${tname} is a kernel object: programs may read its fields but not write them.`);
  }
  const btf = env.obj.btf;
  if (!btf || ref.id === 0) {
    throw new Reject('bpf/other', `xdp-lens cannot check the access to struct ${tname}: the program's BTF does not define it`,
      `The kernel checks this read against its own definition of struct ${tname}; xdp-lens takes the layout from the program's declaration, and the program declares no complete struct ${tname} (include its definition, e.g. from vmlinux.h). The access is refused rather than guessed.`, { struct: tname });
  }
  const w = walk(btf, ref.id, o, size, ref.trust === 'untrusted');
  if ('kmsg' in w) throw new Reject(w.code, w.kmsg, w.why, { struct: tname, off: o, size });
  if (w.kind === 'scalar') return Reg.unknown;
  // mark_btf_ld_reg with the flags check_ptr_to_btf_access derives: walking an untrusted pointer
  // (or through a union of several members) gives an untrusted one; walking any other pointer of
  // a non-sleepable program gives a plain one. Not modelled: the kernel's per-field allow-lists
  // (type_is_trusted, type_is_rcu and their _or_null forms: none has a struct XDP programs reach
  // through a trusted pointer here) and `__rcu` tags in the kernel's own BTF. A kernel whose BTF
  // carries those tags (clang-built) makes an `__rcu` member read through a trusted (referenced)
  // pointer MEM_RCU | PTR_MAYBE_NULL and wants a NULL check before it is dereferenced; xdp-lens,
  // seeing only the program's BTF, does not ask for one there. The test kernel (gcc-built, no tags)
  // behaves as modelled.
  const loaded: BtfRef = { id: w.id, name: w.name, ...(w.untrusted ? { trust: 'untrusted' as const } : {}), ...(w.tag ? { tag: w.tag } : {}) };
  return Reg.ptr('btf_id', { btf: loaded });
}

type Walked =
  | { readonly kind: 'scalar' }
  | { readonly kind: 'ptr'; readonly id: number; readonly name: string; readonly untrusted: boolean; readonly tag?: 'user' | 'percpu' }
  | { readonly code: 'bpf/mem-access' | 'bpf/other'; readonly kmsg: string; readonly why: string };

const isComposite = (t: BtfType | undefined): t is BtfComposite => t !== undefined && (t.kind === 'struct' || t.kind === 'union');

/** __btf_resolve_size: the member's total size, and for arrays the innermost element type and count. */
function resolveSize(btf: Btf, id: number): { size: number; type: BtfType; elem?: BtfType; nelems: number } | undefined {
  let t = btf.resolve(id);
  let nelems = 1;
  let arr: BtfType | undefined;
  for (let depth = 0; t && t.kind === 'array' && depth < 32; depth++) {
    arr ??= t;
    nelems *= t.nelems;
    t = btf.resolve(t.type);
  }
  if (!t) return undefined;
  let size: number;
  if (t.kind === 'ptr') size = 8;
  else if (t.kind === 'int' || t.kind === 'enum' || t.kind === 'enum64' || t.kind === 'float' || t.kind === 'struct' || t.kind === 'union') size = t.size;
  else return undefined;
  return arr ? { size: size * nelems, type: arr, elem: t, nelems } : { size, type: t, nelems: 1 };
}

/** btf_struct_walk + btf_struct_access (kernel/bpf/btf.c @6.12) over the program's BTF. */
function walk(btf: Btf, typeId: number, off0: number, size: number, untrusted0: boolean): Walked {
  let id = typeId;
  let off = off0;
  let untrusted = untrusted0;
  const err = (kmsg: string, why: string): Walked => ({ code: 'bpf/mem-access', kmsg, why });
  for (let depth = 0; depth < 64; depth++) {
    const t = btf.resolve(id);
    if (!isComposite(t)) return err(`Type '${t?.name ?? ''}' is not a struct`, 'The pointer does not point to a struct.');
    const tname = kernelName(t.name);
    // walking unions yields untrusted pointers, except unions of one member (__bpf_md_ptr)
    if (t.kind === 'union' && t.members.length !== 1) untrusted = true;
    if (off + size > t.size) {
      // a flexible array at the end may be indexed past the struct's size
      const last = t.members[t.members.length - 1];
      const lastT = last ? btf.resolve(last.type) : undefined;
      if (last && lastT && lastT.kind === 'array' && lastT.nelems === 0 && off >= Math.floor(last.bitOffset / 8)) {
        const elem = btf.resolve(lastT.type);
        if (elem && elem.kind === 'int') return { kind: 'scalar' };
        if (isComposite(elem) && elem.size > 0) {
          off = (off - Math.floor(last.bitOffset / 8)) % elem.size;
          id = elem.id;
          continue;
        }
      }
      return err(`access beyond struct ${tname} at off ${off} size ${size}`, `struct ${tname} has ${t.size} bytes; the access covers bytes ${off}..${off + size - 1}.`);
    }
    let next: { id: number; off: number } | undefined;
    for (const m of t.members) {
      let moff = Math.floor(m.bitOffset / 8);
      if (off + size <= moff) break;
      if (m.bitfieldSize) {
        const endBit = m.bitOffset + m.bitfieldSize;
        if (off <= moff && Math.ceil(endBit / 8) <= off + size) return { kind: 'scalar' };
        continue;
      }
      if (off < moff) break; // a hole in the struct
      const rs = resolveSize(btf, m.type);
      if (!rs) return { code: 'bpf/mem-access', kmsg: `field ${m.name} doesn't have size`, why: `Member ${m.name} of struct ${tname} has no size in the program's BTF.` };
      let msize = rs.size;
      const mtrueEnd = moff + msize;
      if (off >= mtrueEnd) continue;
      let mtype = rs.type;
      if (rs.elem) {
        if (moff === mtrueEnd) continue;
        msize = msize / rs.nelems;
        moff += Math.floor((off - moff) / msize) * msize;
        mtype = rs.elem;
      }
      if (isComposite(mtype)) {
        next = { id: mtype.id, off: off === moff ? 0 : off - moff };
        break;
      }
      if (mtype.kind === 'ptr') {
        if (msize !== size || off !== moff) {
          return err(`cannot access ptr member ${m.name} with moff ${moff} in struct ${tname} with off ${off} size ${size}`,
            `Member ${m.name} is a pointer: read all 8 bytes of it at its own offset (${moff}).`);
        }
        const direct = btf.typeById(mtype.type);
        const tag = direct && direct.kind === 'type_tag' && (direct.name === 'user' || direct.name === 'percpu') ? direct.name : undefined;
        const pointee = btf.resolve(mtype.type);
        if (isComposite(pointee)) return { kind: 'ptr', id: isDefined(pointee) ? pointee.id : 0, name: kernelName(pointee.name), untrusted, ...(tag ? { tag } : {}) };
        if (pointee && pointee.kind === 'fwd' && !pointee.union) {
          // The kernel's BTF defines every struct; the program's may only forward-declare it: the
          // pointer is kept (accesses through it are refused, naming the struct).
          const def = btf.allByName(pointee.name).find((x) => x.kind === 'struct');
          return { kind: 'ptr', id: def ? def.id : 0, name: kernelName(pointee.name), untrusted, ...(tag ? { tag } : {}) };
        }
      }
      if (off + size > mtrueEnd && !untrusted) {
        return err(`access beyond the end of member ${m.name} (mend:${mtrueEnd}) in struct ${tname} with off ${off} size ${size}`,
          `The access starts inside member ${m.name} but runs past its end (byte ${mtrueEnd}).`);
      }
      return { kind: 'scalar' };
    }
    if (!next) return err(`struct ${tname} doesn't have field at offset ${off}`, `Byte ${off} of struct ${tname} is padding between members.`);
    id = next.id;
    off = next.off;
  }
  return { code: 'bpf/other', kmsg: 'xdp-lens: BTF struct nesting too deep', why: 'The struct nests more than 64 levels deep.' };
}

/**
 * Kernel socket structs whose first member is (recursively) struct sock_common, so that
 * btf_struct_ids_match (kernel/bpf/btf.c @6.12) finds sock_common at their offset 0. Facts from
 * include/net/sock.h, inet_sock.h, inet_connection_sock.h, inet_timewait_sock.h, request_sock.h,
 * af_unix.h, xdp_sock.h, include/linux/tcp.h, udp.h, ipv6.h and net/mptcp/protocol.h @6.12 (and
 * the running 6.18 kernel's BTF): taken by name because the program's own declarations of these
 * structs rarely spell out the nesting.
 */
const SOCK_COMMON_FIRST = new Set([
  'sock_common', 'sock', 'inet_sock', 'inet_connection_sock', 'tcp_sock', 'tcp6_sock', 'udp_sock', 'udp6_sock', 'unix_sock',
  'inet_timewait_sock', 'tcp_timewait_sock', 'request_sock', 'inet_request_sock', 'tcp_request_sock', 'mptcp_sock', 'xdp_sock',
]);

/**
 * btf_struct_ids_match against struct sock_common (non-strict): a socket struct at offset `off` of
 * the pointee, following nested struct members of the program's declaration down to offset 0.
 */
export function startsWithSockCommon(env: Env, ref: BtfRef, off: number): boolean {
  if (off === 0 && SOCK_COMMON_FIRST.has(ref.name)) return true;
  const btf = env.obj.btf;
  let t = btf && ref.id ? btf.resolve(ref.id) : undefined;
  let o = off;
  for (let depth = 0; isComposite(t) && depth < 32; depth++) {
    if (o === 0 && SOCK_COMMON_FIRST.has(kernelName(t.name))) return true;
    const m = t.members.find((x) => {
      const mo = Math.floor(x.bitOffset / 8);
      const mt = btf!.resolve(x.type);
      return isComposite(mt) && mo <= o && o < mo + mt.size;
    });
    if (!m) return false;
    o -= Math.floor(m.bitOffset / 8);
    t = btf!.resolve(m.type);
  }
  return false;
}
