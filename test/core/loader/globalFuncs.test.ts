// FuncInfo.global and the BTF-derived arguments of global functions (loader/funcArgs.ts;
// kernel/bpf/btf.c btf_prepare_func_args @6.12).
import { describe, expect, it } from 'vitest';
import { loadObject } from '../../../server/src/core/loader';
import { verify } from '../../../server/src/core/verifier/index';
import type { FuncInfo, Program } from '../../../server/src/core/program';
import { fixtureObject } from './fixtures';

function funcs(): Map<string, FuncInfo> {
  const r = loadObject(fixtureObject('global_args'));
  if (!r.ok) throw new Error(r.error.message);
  const p: Program = r.value.programs.find((x) => x.name === 'prog')!;
  return new Map(p.funcs.map((f) => [f.name, f]));
}

describe('global functions in Program.funcs', () => {
  const f = funcs();
  it('linkage: global functions are marked, static ones are not', () => {
    expect(f.get('g_scalars')!.global).toBe(true);
    expect(f.get('s_static')!.global).toBe(false);
    expect(f.get('s_static')!.params).toBeUndefined();
  });
  it('int, unsigned long and enum arguments are scalars', () => {
    expect(f.get('g_scalars')!.params).toEqual([{ kind: 'scalar' }, { kind: 'scalar' }, { kind: 'scalar' }]);
  });
  it('a pointer to struct xdp_md (through a typedef) and an arg:ctx tagged void * are ctx', () => {
    expect(f.get('g_ctx')!.params).toEqual([{ kind: 'ctx' }]);
    expect(f.get('g_tagged_ctx')!.params).toEqual([{ kind: 'ctx' }]);
  });
  it('other pointers are maybe-NULL memory of the pointee size (struct 16, const int 4, char[6] 6)', () => {
    expect(f.get('g_mem')!.params).toEqual([
      { kind: 'mem', size: 16, nullable: true },
      { kind: 'mem', size: 4, nullable: true },
      { kind: 'mem', size: 6, nullable: true },
    ]);
  });
  it('arg:nonnull drops the NULL case', () => {
    expect(f.get('g_nonnull')!.params).toEqual([{ kind: 'mem', size: 4, nullable: false }]);
  });
  it('void * without a tag and a void return are prototypes the kernel refuses', () => {
    expect(f.get('g_void_ptr')!.params).toBeUndefined();
    expect(f.get('g_void_ptr')!.paramError).toBe("arg#0 reference type('UNKNOWN ') size cannot be determined: -22"); // the kernel's words (6.18 log)
    expect(f.get('g_void_ret')!.paramError).toBe("Global function g_void_ret() doesn't return scalar. Only those are supported.");
  });
  it('end to end: the verifier accepts every call before g_void_ptr and refuses that call as the kernel does', () => {
    // Kernel 6.18 (bpftool prog load, this object): "arg#0 reference type('UNKNOWN ') size cannot be
    // determined: -22" / "Caller passes invalid args into func#6 ('g_void_ptr')" at insn 33.
    const r = loadObject(fixtureObject('global_args'));
    if (!r.ok) throw new Error(r.error.message);
    const p = r.value.programs.find((x) => x.name === 'prog')!;
    const res = verify(p, r.value);
    expect(res.verdict).toBe('reject');
    expect(res.findings[0]!.message).toBe("arg#0 reference type('UNKNOWN ') size cannot be determined: -22");
    const at = res.findings[0]!.insn!;
    expect(p.funcs.find((x) => x.name === 'g_void_ptr')!.start).toBe(at + 1 + p.insns[at]!.imm); // the call to g_void_ptr
  });
});
