// Per C line, the verifier's joined register state at the line's first instruction, as short
// text for hovers ("R1=ctx R2=pkt(off=14,r=34) R3=scalar(umax=255)"). Computed in the worker from
// the VerifyResult so the server answers hovers without the verifier's data structures.
import type { ProgramAnalysis } from '../core/analyze';
import { Scalar } from '../core/verifier/domain/scalar';
import type { RegView } from '../core/verifier/result';

export interface LineState {
  readonly program: string;
  /** 1-based line in the checked file. */
  readonly line: number;
  readonly text: string;
  readonly visits: number;
}

export function lineStates(programs: readonly ProgramAnalysis[], isMainFile: (file: string) => boolean): LineState[] {
  const out: LineState[] = [];
  for (const p of programs) {
    const vr = p.verify;
    if (!vr) continue;
    const seen = new Set<number>();
    p.program.lines.forEach((loc, slot) => {
      if (!loc || seen.has(loc.line) || !isMainFile(loc.file)) return;
      const st = vr.states[slot];
      if (!st) return;
      seen.add(loc.line);
      const regs = st.regs
        .map((r, i) => (r.kind === 'not_init' || i === 10 ? undefined : `R${i}=${regText(r)}`))
        .filter((x): x is string => x !== undefined);
      if (regs.length) out.push({ program: p.program.name, line: loc.line, text: regs.join(' '), visits: st.visits });
    });
  }
  return out;
}

function regText(r: RegView): string {
  if (r.kind === 'scalar') return Scalar.toString(r.value);
  const parts: string[] = [];
  if (r.off) parts.push(`off=${r.off}`);
  if (r.range !== undefined) parts.push(`r=${r.range}`);
  const v = Scalar.toString(r.value);
  if (v !== '0') parts.push(`var=${v}`);
  return parts.length ? `${r.kind}(${parts.join(',')})` : r.kind;
}
