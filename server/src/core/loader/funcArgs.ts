// Global functions: linkage and argument kinds from BTF, as the kernel derives them before it
// verifies a global function on its own (kernel/bpf/btf.c btf_prepare_func_args and
// btf_is_prog_ctx_type, Linux 6.12). Facts used, all from that file @6.12:
//  - linkage comes from the BTF FUNC's linkage (info.vlen): BTF_FUNC_GLOBAL = 1;
//  - more than 5 parameters, a return type that is not int/enum, a parameter that is neither
//    int/enum nor a pointer: the program is refused;
//  - a pointer to the program type's context struct (XDP: `struct xdp_md`, a projection of
//    `xdp_buff`; socket filter / tc: `__sk_buff`) or a parameter tagged `arg:ctx` is PTR_TO_CTX;
//  - any other pointer is PTR_TO_MEM | PTR_MAYBE_NULL sized by btf_resolve_size of the pointee
//    (refused when the size cannot be determined, e.g. `void *`); `arg:nonnull` drops MAYBE_NULL;
//  - `arg:trusted`, `arg:arena`, `arg:nullable` and dynptr pointers are not modelled here.

import type { Btf } from '../btf';
import { BtfLinkage } from '../btf/types';
import type { FuncInfo, FuncParam } from '../program';
import { ProgType } from '../program';

/** Context struct names per program type (include/linux/bpf_types.h @6.12 and the projections). */
function ctxNames(progType: number): readonly string[] {
  if (progType === ProgType.XDP) return ['xdp_md', 'xdp_buff'];
  if (progType === ProgType.SOCKET_FILTER || progType === ProgType.SCHED_CLS || progType === ProgType.SCHED_ACT) return ['__sk_buff', 'sk_buff'];
  return [];
}

type Derived = { params: FuncParam[] } | { error: string };

/** The kernel's view of a global function's prototype (btf_prepare_func_args). */
export function deriveParams(btf: Btf, typeId: number, progType: number): Derived {
  const fn = btf.typeById(typeId);
  if (!fn || fn.kind !== 'func') return { error: `BTF of the function does not point to a FUNC` };
  const proto = btf.typeById(fn.type);
  if (!proto || proto.kind !== 'func_proto') return { error: `Invalid type of function ${fn.name}()` };
  if (proto.params.length > 5) return { error: `Global function ${fn.name}() with ${proto.params.length} > 5 args. Buggy compiler.` };
  const ret = btf.resolve(proto.returnType);
  if (!ret || (ret.kind !== 'int' && ret.kind !== 'enum' && ret.kind !== 'enum64')) {
    return { error: `Global function ${fn.name}() doesn't return scalar. Only those are supported.` };
  }
  const params: FuncParam[] = [];
  for (let i = 0; i < proto.params.length; i++) {
    const tags = btf.declTagsOf(typeId, i).filter((t) => t.startsWith('arg:')).map((t) => t.slice(4));
    const t = btf.resolve(proto.params[i]!.type);
    if (!t) return { error: `arg#${i} has a bad BTF type` };
    if (t.kind !== 'ptr') {
      if (tags.length > 0) return { error: `arg#${i} has pointer tag, but is not a pointer type` };
      if (t.kind === 'int' || t.kind === 'enum' || t.kind === 'enum64') {
        params.push({ kind: 'scalar' });
        continue;
      }
      return { error: `Arg#${i} type ${t.kind} in ${fn.name}() is not supported yet.` };
    }
    for (const tag of tags) {
      if (tag !== 'ctx' && tag !== 'nonnull') return { error: `arg#${i} tag arg:${tag} is not modelled by xdp-lens` };
    }
    const pointee = btf.resolve(t.type);
    const isCtx = tags.includes('ctx') || (pointee !== undefined && (pointee.kind === 'struct') && ctxNames(progType).includes(pointee.name));
    if (isCtx) {
      if (tags.includes('nonnull')) return { error: `arg#${i} has invalid combination of tags` };
      params.push({ kind: 'ctx' });
      continue;
    }
    if (pointee && pointee.kind === 'struct' && pointee.name === 'bpf_dynptr') return { error: `arg#${i} dynptr arguments are not modelled by xdp-lens` };
    const size = btf.sizeOf(t.type);
    if (size === undefined) {
      // btf_type_str: "UNKNOWN" for void, else the kind name (btf_kind_str @6.12)
      const kind = !pointee || pointee.kind === 'void' ? 'UNKNOWN' : pointee.kind.toUpperCase();
      return { error: `arg#${i} reference type('${kind} ${pointee?.name ?? ''}') size cannot be determined: -22` };
    }
    params.push({ kind: 'mem', size, nullable: !tags.includes('nonnull') });
  }
  return { params };
}

/**
 * Adds `global` (BTF FUNC linkage when BTF names the function, else the symbol binding) and, for
 * global functions, `params` or `paramError`.
 */
export function withGlobalInfo(f: FuncInfo, symGlobal: boolean, btf: Btf | undefined, progType: number): FuncInfo {
  const fn = btf && f.btfTypeId !== undefined ? btf.typeById(f.btfTypeId) : undefined;
  const global = fn && fn.kind === 'func' ? fn.linkage === BtfLinkage.GLOBAL : symGlobal;
  if (!global) return { ...f, global: false };
  if (!btf || f.btfTypeId === undefined) return { ...f, global: true, paramError: 'Global functions need valid BTF' };
  const d = deriveParams(btf, f.btfTypeId, progType);
  return 'error' in d ? { ...f, global: true, paramError: d.error } : { ...f, global: true, params: d.params };
}
