// BTF-typed pointers (PTR_TO_BTF_ID) and bpf_xdp_flow_lookup. The tcp_sock reads have kernel
// verdicts (test/fixtures/verifier/btf_ptr.c); the flow-table kfunc is not in the test kernel's BTF,
// so its fixtures (test/fixtures/verifier-unchecked/) carry verdicts derived from the 6.12 source,
// and this file compares our verifier with them. It also pins what the log, the joined states and
// pruning make of the new register kind, and the kfunc's kernel-version gate.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadObject } from '../../../server/src/core/loader/index';
import type { LoadedObject } from '../../../server/src/core/program';
import { slotsForLine, verify } from '../../../server/src/core/verifier/index';
import { buildFixture, parseAnnotations } from '../../support/fixtures';
import type { Env } from '../../../server/src/core/verifier/env';
import { statesEqual } from '../../../server/src/core/verifier/prune';
import { joinReg } from '../../../server/src/core/verifier/explore';
import { newFrame, Reg, type VState } from '../../../server/src/core/verifier/state';

const UNCHECKED = join(__dirname, '..', '..', 'fixtures', 'verifier-unchecked');
const CHECKED = join(__dirname, '..', '..', 'fixtures', 'verifier');

function load(path: string): LoadedObject {
  const r = loadObject(new Uint8Array(readFileSync(buildFixture(path))));
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
}

function prog(obj: LoadedObject, name: string) {
  const p = obj.programs.find((x) => x.name === name);
  if (!p) throw new Error(`no program ${name}`);
  return p;
}

/** Known imprecision (ours differs from the derived kernel verdict), asserted so the suite notices a fix. */
const KNOWN: Record<string, { verdict: 'reject'; code: string; msg: string }> = {
  // the program's BTF only forward-declares the struct: xdp-lens refuses to guess its layout
  'flow_lookup_fwd.c:fwd_only': { verdict: 'reject', code: 'bpf/other', msg: 'the program\'s BTF does not define it' },
};

describe('verifier-unchecked fixtures: ours against the source-derived annotations', () => {
  for (const file of ['flow_lookup.c', 'flow_lookup_fwd.c']) {
    const path = join(UNCHECKED, file);
    const ann = parseAnnotations(readFileSync(path, 'utf8'));
    it(`${file}: annotations are well-formed and say why they are not kernel-checked`, () => {
      expect(ann.problems).toEqual([]);
      expect(ann.kernelNotes.join(' ')).toMatch(/NOT kernel-checked/);
    });
    it.each(ann.programs.map((p) => [p.name, p] as const))(`${file}: %s`, (_name, p) => {
      const obj = load(path);
      const res = verify(prog(obj, p.name), obj);
      const known = KNOWN[`${file}:${p.name}`];
      if (known) {
        expect(p.verdict).toBe('accept');
        expect(res.verdict).toBe(known.verdict);
        expect(res.findings[0]!.code).toBe(known.code);
        expect(res.findings[0]!.message).toContain(known.msg);
        expect(res.findings[0]!.message).toContain('flow_offload_tuple_rhash');
        return;
      }
      expect(res.verdict, res.findings[0]?.message).toBe(p.verdict);
      if (p.verdict === 'reject') {
        expect(res.findings[0]!.code).toBe(p.code);
        if (p.msg) expect(res.findings[0]!.message).toContain(p.msg);
        if (p.line !== undefined) expect(res.findings[0]!.range.start.line).toBe(p.line);
      }
    });
  }
});

describe('bpf_xdp_flow_lookup', () => {
  const path = join(UNCHECKED, 'flow_lookup.c');

  it('R0 is a maybe-NULL BTF pointer to the program\'s struct flow_offload_tuple_rhash, non-NULL after the check', () => {
    const obj = load(path);
    const p = prog(obj, 'flow_lookup_ok');
    const res = verify(p, obj);
    expect(res.verdict).toBe('accept');
    const call = res.calls.find((c) => c.kfunc === 'bpf_xdp_flow_lookup')!;
    expect(call.ret).toMatchObject({ kind: 'btf_id_or_null', btfType: 'flow_offload_tuple_rhash' });
    expect(call.ret!.trust).toBeUndefined(); // plain PTR_TO_BTF_ID: check_kfunc_call adds no PTR_TRUSTED
    // the line reading the tuple: the pointer is non-NULL there
    const src = readFileSync(path, 'utf8').split('\n');
    const line = src.findIndex((l) => l.includes('th->tuple.iifidx == ctx->ingress_ifindex')) + 1;
    const kinds = slotsForLine(p, line).flatMap((s) => res.states[s]?.regs ?? []).map((r) => r.kind);
    expect(kinds).toContain('btf_id');
    expect(kinds).not.toContain('btf_id_or_null');
  });

  it('is refused for kernels before 6.11, as libbpf refuses the object there (kernelFeatures: 6.11)', () => {
    const obj = load(path);
    const p = prog(obj, 'flow_lookup_ok');
    const old = verify(p, obj, { kernel: '6.10' });
    expect(old.verdict).toBe('reject');
    expect(old.findings[0]!.code).toBe('bpf/helper-unavailable');
    expect(old.findings[0]!.message).toContain("'bpf_xdp_flow_lookup': not found in kernel or module BTFs");
    expect(verify(p, obj, { kernel: '6.11' }).verdict).toBe('accept');
  });

  it('is refused for a program that is not GPL-compatible (add_kfunc_call)', () => {
    const obj = load(path);
    const p = prog(obj, 'flow_lookup_ok');
    const res = verify(p, { ...obj, license: 'Proprietary' });
    expect(res.findings[0]).toMatchObject({ code: 'bpf/helper-unavailable', message: 'cannot call kernel function from non-GPL compatible program' });
  });
});

describe('kfunc version gate', () => {
  it('dynptr kfuncs need 6.4 (bpf_dynptr_from_xdp): refused on 6.3, accepted on 6.4', () => {
    const path = join(CHECKED, 'kfuncs.c');
    const obj = load(path);
    const p = prog(obj, 'dynptr_slice_ok');
    expect(verify(p, obj, { kernel: '6.3' }).findings[0]).toMatchObject({ code: 'bpf/helper-unavailable' });
    expect(verify(p, obj, { kernel: '6.4' }).verdict).toBe('accept');
  });
});

describe('BTF pointers from bpf_skc_to_tcp_sock (kernel verdicts in btf_ptr.c)', () => {
  const path = join(CHECKED, 'btf_ptr.c');

  it('a pointer member load gives a BTF pointer to the member\'s struct, printed as the kernel does', () => {
    const obj = load(path);
    const res = verify(prog(obj, 'tcp_ptr_member_ok'), obj, { log: true });
    expect(res.verdict).toBe('accept');
    // print_verifier_state: flags, `ptr_`, the struct's name; the cast carries the socket's reference
    expect(res.log!.join('\n')).toMatch(/R0=ptr_tcp_sock\(id=\d+,ref_obj_id=\d+\)/);
    expect(res.states.some((s) => s?.regs.some((r) => r.kind === 'btf_id' && r.btfType === 'socket'))).toBe(true);
  });

  it('unprivileged loads may not read kernel objects', () => {
    const obj = load(path);
    const res = verify(prog(obj, 'tcp_read_ok'), obj, { privileged: false });
    expect(res.verdict).toBe('reject');
  });

  it('a non-GPL program may not read kernel objects (check_ptr_to_btf_access)', () => {
    const obj = load(path);
    const res = verify(prog(obj, 'tcp_read_ok'), { ...obj, license: 'BSD' });
    expect(res.findings[0]).toMatchObject({ code: 'bpf/mem-access', message: "Cannot access kernel 'struct tcp_sock' from non-GPL compatible program" });
  });
});

describe('pruning and joins compare the pointee type and flags', () => {
  const env = { dynptr: false, privileged: true } as unknown as Env;
  const state = (r6: Reg): VState => {
    const regs: Reg[] = new Array(11).fill(Reg.notInit);
    regs[6] = r6;
    regs[10] = Reg.ptr('fp', { frame: 0 });
    return { frames: [newFrame(-1, 0, regs)], refs: [], pc: 0, path: undefined, r0Def: -1, parent: undefined, changesPkt: false, written: 0, wLo: 0, wHi: 0 };
  };
  const tcp = Reg.ptr('btf_id', { btf: { id: 3, name: 'tcp_sock' } });
  const sock = Reg.ptr('btf_id', { btf: { id: 7, name: 'socket' } });
  const live = 1 << 6;

  it('the same type and flags prune; another type, or another trust, does not (regsafe)', () => {
    expect(statesEqual(env, state(tcp), state(Reg.ptr('btf_id', { btf: { id: 3, name: 'tcp_sock' } })), live, false)).toBe(true);
    expect(statesEqual(env, state(tcp), state(sock), live, false)).toBe(false);
    expect(statesEqual(env, state(tcp), state(Reg.ptr('btf_id', { btf: { id: 3, name: 'tcp_sock', trust: 'untrusted' } })), live, false)).toBe(false);
  });

  it('a join of two pointee types keeps the kind and forgets the type', () => {
    const j = joinReg(tcp, sock);
    expect(j.kind).toBe('btf_id');
    expect(j.btf?.name).toBe('');
    expect(joinReg(tcp, tcp)).toBe(tcp);
  });
});
