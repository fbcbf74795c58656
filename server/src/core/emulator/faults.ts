// Turning the internal fault signal into the record users see: slot, program, C line when line
// info has one (carried forward from the nearest earlier slot that has one), region and offset.

import type { Program } from '../program';
import type { EmuFault, Fault } from './memory';

export function lineOf(program: Program, slot: number): { file: string; line: number } | undefined {
  for (let s = Math.min(slot, program.lines.length - 1); s >= 0; s--) {
    const l = program.lines[s];
    if (l) return { file: l.file, line: l.line };
  }
  return undefined;
}

export function faultRecord(e: EmuFault, fallback: Program): Fault {
  const program = (e.where as Program | undefined) ?? fallback;
  const loc = lineOf(program, e.slot);
  const where = loc ? ` (${loc.file}:${loc.line})` : '';
  return {
    kind: e.kind,
    slot: e.slot,
    program: program.name,
    ...(loc ? { line: loc.line, file: loc.file } : {}),
    ...(e.region !== undefined ? { region: e.region } : {}),
    ...(e.offset !== undefined ? { offset: e.offset } : {}),
    ...(e.size !== undefined ? { size: e.size } : {}),
    message: `slot ${e.slot}${where}: ${e.message}`,
  };
}
