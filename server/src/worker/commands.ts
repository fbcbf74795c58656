// Commands that need the core's heavier parts (loader, disassembler, emulator, matrix) run here,
// in the worker, on an object the host kept from the last finished analysis.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { analyzeObjectDetail } from '../core/analyze';
import { DRIVER_PROFILES, KernelVersion } from '../core/drivers';
import { createMaps, kconfigImage, run } from '../core/emulator';
import { LINKTYPE_ETHERNET, readCapture } from '../core/emulator/pcap';
import { programListing } from '../core/isa/listing';
import { loadObject } from '../core/loader';
import type { LoadedObject, Program } from '../core/program';
import { Result } from '../core/result';
import { formatMatrix, portabilityMatrix, type MatrixInput } from '../core/xdp';
import { hostKconfig } from './hostKconfig';
import type { CommandJob, CommandReply } from './messages';

export async function runCommandJob(job: CommandJob): Promise<CommandReply> {
  const t0 = performance.now();
  const ms = (): number => Math.round(performance.now() - t0);
  const failed = (error: string): CommandReply => ({ id: job.id, tag: 'failed', ms: ms(), error });
  const ok = (value: unknown): CommandReply => ({ id: job.id, tag: 'ok', ms: ms(), value });
  const loaded = loadObject(job.object);
  if (!loaded.ok) return failed(`cannot load the compiled object: ${Result.format(loaded.error)}`);
  const obj = loaded.value;
  switch (job.name) {
    case 'disassemble': {
      const parts = [`; ${basename(job.file)}: annotated disassembly of the last compiled version (XDP Lens)`];
      for (const w of obj.warnings) parts.push(`; warning: ${w}`);
      for (const prog of obj.programs) parts.push('', programListing(obj, prog).trimEnd());
      return ok(parts.join('\n') + '\n');
    }
    case 'runPacket': {
      const prog = pickProgram(obj, job.args.program);
      if (!prog) return failed(`no XDP program named '${String(job.args.program)}' (have: ${obj.programs.map((p) => p.name).join(', ')})`);
      const packets = packetsOf(job.args);
      if (!packets.ok) return failed(packets.error);
      const cancel = new Int32Array(job.cancel);
      // __kconfig externs get this machine's kernel config, as libbpf would give them here
      const kc = kconfigImage(obj, hostKconfig());
      if (!kc.ok) return failed(kc.error);
      const notes = kc.missing.length ? [`note: no value for kconfig extern(s) ${kc.missing.join(', ')} in this machine's kernel config: read as 0`] : [];
      const lines = [`${prog.name} on ${packets.value.length} packet(s) (emulator; maps start empty)`, ...packets.notes, ...notes];
      for (const [i, pkt] of packets.value.entries()) {
        const r = run(prog, obj, { packet: pkt, cancel, maps: createMaps(obj, kc.image ? { kconfig: kc.image } : {}) });
        lines.push(runSummary(i, pkt, r));
      }
      return ok(lines.join('\n') + '\n');
    }
    case 'portability': {
      const kernel = typeof job.args.kernel === 'string' ? KernelVersion.parse(job.args.kernel) : undefined;
      const detail = analyzeObjectDetail(job.object, { path: job.file, driver: null, kernel: null, cancel: new Int32Array(job.cancel) });
      const inputs: MatrixInput[] = [];
      for (const p of detail.programs) if (p.verify && detail.object) inputs.push({ program: p.program, obj: detail.object, vr: p.verify });
      if (inputs.length === 0) return ok('no verified XDP program in this file: fix the verifier errors first\n');
      return ok(formatMatrix(portabilityMatrix(inputs, DRIVER_PROFILES, kernel ?? undefined)));
    }
  }
}

function pickProgram(obj: LoadedObject, name: unknown): Program | undefined {
  if (typeof name === 'string' && name) return obj.programs.find((p) => p.name === name);
  return obj.programs.find((p) => p.progType === 6) ?? obj.programs[0];
}

type Packets = { ok: true; value: Uint8Array[]; notes: string[] } | { ok: false; error: string };

/** `packetHex` ("ffffffffffff 0011..." spaces allowed) or `pcap` (a pcap or pcapng file's path). */
function packetsOf(args: Readonly<Record<string, unknown>>): Packets {
  if (typeof args.pcap === 'string') {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(args.pcap);
    } catch (e) {
      return { ok: false, error: `cannot read ${args.pcap}: ${(e as Error).message}` };
    }
    // The same reader as `xdp-check run --pcap`, and the same rule for other link types.
    const cap = readCapture(bytes);
    if (!cap.ok) return { ok: false, error: `${args.pcap}: ${cap.error.message} (offset ${cap.error.offset})` };
    const other = cap.packets.filter((x) => x.linkType !== LINKTYPE_ETHERNET).length;
    const notes = other ? [`warning: ${other} packet(s) are not Ethernet frames (XDP sees Ethernet); run as they are`] : [];
    return { ok: true, value: cap.packets.map((x) => x.data), notes };
  }
  if (typeof args.packetHex === 'string') {
    const hex = args.packetHex.replace(/\s+/g, '');
    if (!/^([0-9a-fA-F]{2})+$/.test(hex)) return { ok: false, error: 'packetHex: expected an even number of hex digits' };
    return { ok: true, value: [Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)))], notes: [] };
  }
  return { ok: false, error: 'pass packetHex (hex bytes of an Ethernet frame) or pcap (a file path)' };
}

function runSummary(i: number, input: Uint8Array, r: ReturnType<typeof run>): string {
  const out = [`#${i}: ${r.action} (retval ${r.retval}), ${r.steps} instructions`];
  if (r.error) out.push(`   refused: ${r.error}`);
  const changed = input.length !== r.packet.length - r.metaLen || input.some((b, k) => r.packet[r.metaLen + k] !== b);
  out.push(`   packet ${input.length} -> ${r.packet.length - r.metaLen} bytes${r.metaLen ? ` (+${r.metaLen} metadata)` : ''}${changed ? ', modified' : ', unchanged'}`);
  if (r.redirect) out.push(`   redirect: ${JSON.stringify(r.redirect)}`);
  for (const f of r.faults) out.push(`   fault: ${JSON.stringify(f)}`);
  for (const c of r.mapChanges) out.push(`   map change: ${JSON.stringify(c)}`);
  for (const p of r.output.printk) out.push(`   printk: ${p}`);
  return out.join('\n');
}
