// Commands that need the core's heavier parts (loader, disassembler, emulator) run here, in the
// worker, on an object the host kept from the last finished analysis.
import { basename } from 'node:path';
import { programListing } from '../core/isa/listing';
import { loadObject } from '../core/loader';
import { Result } from '../core/result';
import type { CommandJob, CommandReply } from './messages';

export async function runCommandJob(job: CommandJob): Promise<CommandReply> {
  const t0 = performance.now();
  const ms = (): number => Math.round(performance.now() - t0);
  switch (job.name) {
    case 'disassemble': {
      const loaded = loadObject(job.object);
      if (!loaded.ok) return { id: job.id, tag: 'failed', ms: ms(), error: `cannot load the compiled object: ${Result.format(loaded.error)}` };
      const obj = loaded.value;
      const parts = [`; ${basename(job.file)}: annotated disassembly of the last compiled version (XDP Lens)`];
      for (const w of obj.warnings) parts.push(`; warning: ${w}`);
      for (const prog of obj.programs) parts.push('', programListing(obj, prog).trimEnd());
      return { id: job.id, tag: 'ok', ms: ms(), value: parts.join('\n') + '\n' };
    }
  }
}
