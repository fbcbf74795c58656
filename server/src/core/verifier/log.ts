// Kernel-style rendering of registers and states for the verifier log and finding messages.

import type { Env } from './env';
import type { Reg, VState } from './state';
import { sc } from './sc';
import { kindStr } from './btfPtr';

function sconst(v: bigint): string {
  return BigInt.asIntN(64, v).toString();
}

/** One register as the kernel's print_verifier_state shows it (approximately). */
export function regStr(env: Env | undefined, r: Reg): string {
  switch (r.kind) {
    case 'not_init':
      return '?';
    case 'scalar':
      if (sc.isConst(r.val)) return sconst(sc.constValue(r.val));
      return `scalar(${r.id ? `id=${r.id},` : ''}${sc.str(r.val)})`;
    case 'fp':
      return `fp${r.off}`;
    default: {
      const parts: string[] = [];
      if (r.id) parts.push(`id=${r.id}`);
      if (r.refId) parts.push(`ref_obj_id=${r.refId}`);
      if (r.off) parts.push(`off=${r.off}`);
      if (r.kind === 'pkt' || r.kind === 'pkt_meta') parts.push(`r=${r.range}`);
      if (r.map >= 0 && env) {
        const m = env.obj.maps[r.map];
        if (m) parts.push(`map=${m.name}`, `ks=${m.keySize}`, `vs=${m.valueSize}`);
      }
      if (r.kind === 'mem' || r.kind === 'ringbuf_mem' || r.kind === 'mem_or_null' || r.kind === 'ringbuf_mem_or_null') parts.push(`sz=${r.memSize}`);
      if (!sc.isConst(r.val) || sc.constValue(r.val) !== 0n) parts.push(sc.str(r.val));
      // print_reg_state @6.12: BTF pointers print their flags and the pointee's name after the type
      if (r.kind === 'btf_id' || r.kind === 'btf_id_or_null') return `${kindStr(r)}${r.btf?.name ?? ''}(${parts.join(',')})`;
      return `${r.kind}(${parts.join(',')})`;
    }
  }
}

export function stateStr(env: Env, s: VState): string {
  const f = s.frames[s.frames.length - 1]!;
  const out: string[] = [];
  f.regs.forEach((r, i) => {
    if (r.kind !== 'not_init') out.push(`R${i}=${regStr(env, r)}`);
  });
  for (let spi = 0; spi < 64; spi++) {
    const sp = f.spill[spi];
    const off = spi * 8 - 512;
    if (sp) out.push(`fp${off}=${regStr(env, sp)}`);
    else {
      let s8 = '';
      for (let b = 7; b >= 0; b--) s8 += '?mz?'[f.stype[spi * 8 + b]!] ?? '?';
      if (s8 !== '????????') out.push(`fp${off}=${s8}`);
    }
  }
  return (s.frames.length > 1 ? `frame${s.frames.length - 1}: ` : '') + out.join(' ');
}
