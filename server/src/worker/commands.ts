// Commands that need the core's heavier parts (loader, disassembler, emulator) run here, in the
// worker, on an object the host kept from the last finished analysis.
import type { CommandJob, CommandReply } from './messages';

export async function runCommandJob(job: CommandJob): Promise<CommandReply> {
  const t0 = performance.now();
  const ms = (): number => Math.round(performance.now() - t0);
  switch (job.name) {
    case 'disassemble':
      return { id: job.id, tag: 'failed', ms: ms(), error: 'disassembly needs the object loader (server/src/core/loader), which has not landed yet' };
  }
}
