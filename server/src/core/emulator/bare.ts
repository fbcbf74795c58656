// Running a bare instruction sequence the way ISA conformance suites do: r1 points at a memory
// buffer (r1 = 0 when there is none), r2 holds its length, r10 is a 512-byte stack. Used by the
// conformance tests and by the interpreter-vs-JIT differential tests.

import type { Insn } from '../isa/insn';
import type { Program } from '../program';
import { buildImage } from './image';
import { interpret } from './interp';
import { jitExec } from './jit';
import { Machine, type Tier } from './machine';
import { EmuFault, RegionFlag, ptrHi, ptrLo, type Fault } from './memory';
import { faultRecord } from './faults';

export interface BareResult {
  /** r0 as an unsigned 64-bit value; undefined when the run faulted. */
  readonly r0?: bigint;
  readonly fault?: Fault;
  readonly steps: number;
  /** r0..r10 as unsigned 64-bit values when the run ended or faulted (the fault's frame for r6..r10). */
  readonly regs: readonly bigint[];
  /** The memory buffer after the run. */
  readonly mem: Uint8Array;
}

export function bareProgram(insns: Insn[], name = 'bare'): Program {
  return { name, section: '', progType: 0, frags: false, attach: 'none', insns, lines: [], funcs: [{ start: 0, name }], kfuncs: [], sectionOffset: 0 };
}

export function runBare(program: Program, memIn: Uint8Array, opts: { tier?: Tier; stepLimit?: number } = {}): BareResult {
  const img = buildImage(program, program.insns);
  const m = new Machine({ interp: interpret, jit: jitExec }, opts.tier ?? 'interp', opts.stepLimit ?? 10_000_000);
  const mem = new Uint8Array(memIn);
  // Helper 5 (ktime_get_ns in Linux; uBPF's conformance plugin gives it another meaning) returns a
  // fixed clock here so that programs which merely call it continue.
  m.helper = (mm, id, slot) => {
    if (id === 5) { mm.regs[0] = 1000; mm.regs[1] = 0; return 0; }
    throw new EmuFault('helper', slot, `helper ${id} is not available in a bare run`);
  };
  if (mem.length > 0) {
    const id = m.mem.add('mem', mem, RegionFlag.WRITABLE);
    m.regs[2] = ptrLo(0);
    m.regs[3] = ptrHi(id);
  }
  m.regs[4] = mem.length;
  const regs = () => Array.from({ length: 11 }, (_, r) => (BigInt(m.regs[2 * r + 1] >>> 0) << 32n) | BigInt(m.regs[2 * r] >>> 0));
  try {
    m.exec(img, 0);
  } catch (e) {
    if (e instanceof EmuFault) return { fault: faultRecord(e, program), steps: m.steps, regs: regs(), mem };
    throw e;
  }
  const r = regs();
  return { r0: r[0], steps: m.steps, regs: r, mem };
}
