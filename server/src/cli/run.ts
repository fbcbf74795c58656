// `xdp-check run [--program NAME] [--driver NAME] [--format text|json] (--packet HEX)... | --pcap FILE  FILE.{c,o}`
// Runs an XDP program in the emulator on each packet, as BPF_PROG_TEST_RUN would on the selected
// driver's headroom. JSON: { runs: [{ retval, action, packet }] } where `packet` is the hex of the
// bytes the kernel's test run returns in data_out (metadata included), plus faults/redirect/output
// when present. Text: a summary per packet and a hexdump diff of input against output.
// Maps persist from one packet to the next (a stream through one NIC); --fresh-maps isolates them.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { resolve } from 'node:path';
import { findDriver, unknownDriverMessage } from '../core/drivers/index';
import { createMaps, kconfigImage, linuxKernelVersion, parseKconfig, run, type RunResult } from '../core/emulator/index';
import { LINKTYPE_ETHERNET, readCapture } from '../core/emulator/pcap';
import { loadObject } from '../core/loader/index';
import { ProgType, type LoadedObject } from '../core/program';
import { Result } from '../core/result';
import { commandArgs, formatOptions, type OptionSpec } from './args';
import { COMPILE_OPTIONS, inputOptions, readInput } from './input';
import { ExitCode, type CliIo } from './io';
import { formatText } from './textReport';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'program', value: true, arg: 'NAME', help: 'the XDP program to run (needed when the object has several)' },
  { name: 'driver', value: true, arg: 'NAME', help: "emulate this driver's headroom and data_meta support (default: BPF_PROG_TEST_RUN's 256 bytes)" },
  { name: 'format', value: true, choices: ['text', 'json'], arg: 'text|json', help: 'output form (default text)' },
  { name: 'packet', value: true, repeat: true, arg: 'HEX', help: 'a packet as hex bytes (spaces and colons allowed); repeatable' },
  { name: 'pcap', value: true, arg: 'FILE', help: 'packets from a pcap or pcapng capture' },
  { name: 'tier', value: true, choices: ['interp', 'jit'], arg: 'interp|jit', help: 'execution tier (default interp: a few short runs do not repay the JIT compile)' },
  { name: 'fresh-maps', help: 'start every packet with fresh maps (as separate test runs would)' },
  { name: 'ingress-ifindex', value: true, arg: 'N', help: 'xdp_md->ingress_ifindex (default 1)' },
  { name: 'rx-queue', value: true, arg: 'N', help: 'xdp_md->rx_queue_index (default 0)' },
  { name: 'step-limit', value: true, arg: 'N', help: 'instructions per packet before giving up (default 50000000)' },
  { name: 'kconfig', value: true, arg: 'FILE', help: 'values for __kconfig externs from a kernel .config (plain or gzip, e.g. /proc/config.gz)' },
  { name: 'kconfig-set', value: true, repeat: true, arg: 'NAME=VALUE', help: 'one __kconfig value (y/n/m, a number, "a string"; LINUX_KERNEL_VERSION also as 6.1.20); repeatable' },
  ...COMPILE_OPTIONS,
  { name: 'help', short: 'h', help: 'show this help' },
];

const USAGE = `usage: xdp-check run [options] (--packet HEX)... | --pcap FILE  FILE.{c,o}\n\n${formatOptions(OPTIONS)}\n`;

export function parseHexPacket(text: string): Uint8Array | string {
  const clean = text.replace(/^0x/i, '').replace(/[\s:.-]/g, '');
  if (clean.length === 0) return 'empty packet';
  if (!/^[0-9a-fA-F]*$/.test(clean)) return `'${text.length > 40 ? `${text.slice(0, 40)}…` : text}' is not hex`;
  if (clean.length % 2 !== 0) return `odd number of hex digits (${clean.length})`;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function intOption(v: string | undefined, name: string, io: CliIo): number | undefined | null {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) {
    io.stderr(`xdp-check run: --${name} needs a non-negative integer (got '${v}')\n`);
    return null;
  }
  return Number(v);
}

export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const args = commandArgs(argv, OPTIONS, { name: 'run', usage: USAGE, files: 'one' }, io);
  if (typeof args === 'number') return args;
  const ingress = intOption(args.get('ingress-ifindex'), 'ingress-ifindex', io);
  const queue = intOption(args.get('rx-queue'), 'rx-queue', io);
  const stepLimit = intOption(args.get('step-limit'), 'step-limit', io);
  if (ingress === null || queue === null || stepLimit === null) return ExitCode.USAGE;

  // Packets first: a usage error should not wait for a compile.
  const packets: { label: string; bytes: Uint8Array }[] = [];
  for (const [i, h] of args.all('packet').entries()) {
    const p = parseHexPacket(h);
    if (typeof p === 'string') {
      io.stderr(`xdp-check run: --packet #${i + 1}: ${p}\n`);
      return ExitCode.USAGE;
    }
    packets.push({ label: `packet ${i + 1}`, bytes: p });
  }
  const pcapPath = args.get('pcap');
  if (pcapPath !== undefined) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(resolve(io.cwd, pcapPath));
    } catch (e) {
      io.stderr(`xdp-check run: cannot read ${pcapPath}: ${(e as Error).message}\n`);
      return ExitCode.USAGE;
    }
    const cap = readCapture(bytes);
    if (!cap.ok) {
      io.stderr(`xdp-check run: ${pcapPath}: ${cap.error.message} (offset ${cap.error.offset})\n`);
      return ExitCode.USAGE;
    }
    const other = cap.packets.filter((p) => p.linkType !== LINKTYPE_ETHERNET).length;
    if (other) io.stderr(`xdp-check run: warning: ${other} packet(s) in ${pcapPath} are not Ethernet frames (XDP sees Ethernet); running them as they are\n`);
    cap.packets.forEach((p, i) => packets.push({ label: `${pcapPath} #${i + 1}`, bytes: p.data }));
  }
  if (packets.length === 0) {
    io.stderr(`xdp-check run: no packets: give --packet HEX or --pcap FILE\n${USAGE}`);
    return ExitCode.USAGE;
  }

  let headroom: number | undefined;
  let driverActions: readonly string[] | undefined;
  const driverName = args.get('driver');
  const notes: string[] = [];
  if (driverName !== undefined) {
    const d = findDriver(driverName);
    if (!d) {
      io.stderr(`xdp-check run: ${unknownDriverMessage(driverName)}\n`);
      return ExitCode.USAGE;
    }
    if (d.headroom.value === null) notes.push(`${d.id}: headroom is firmware-defined; using 256`);
    else headroom = d.headroom.value;
    driverActions = d.actions.value;
    if (!d.dataMeta.value) notes.push(`${d.id} does not support data_meta: bpf_xdp_adjust_meta returns -ENOTSUPP`);
  }

  const path = args.positionals[0]!;
  const input = await readInput(path, io, inputOptions(args, io.cwd));
  if (input.kind === 'unreadable' || input.kind === 'fatal') {
    io.stderr(`xdp-check: ${input.message}\n`);
    return ExitCode.USAGE;
  }
  if (input.kind === 'failed') {
    io.stderr(formatText({ version: 1, target: { driver: null, kernel: null }, files: [{ path, diagnostics: input.problems, programs: [] }] }, io.cwd));
    return ExitCode.FINDINGS;
  }
  const loaded = loadObject(input.bytes);
  if (!loaded.ok) {
    io.stderr(`xdp-check run: ${path}: ${Result.format(loaded.error)}\n`);
    return ExitCode.FINDINGS;
  }
  const obj = loaded.value;
  const xdp = obj.programs.filter((p) => p.progType === ProgType.XDP);
  const wanted = args.get('program');
  const prog = wanted !== undefined ? obj.programs.find((p) => p.name === wanted) : xdp.length === 1 ? xdp[0] : undefined;
  if (!prog) {
    const names = xdp.map((p) => p.name).join(', ') || 'none';
    io.stderr(`xdp-check run: ${wanted !== undefined ? `no program '${wanted}' in ${path}` : xdp.length === 0 ? `${path} holds no XDP program` : `${path} holds several XDP programs; choose one with --program`} (XDP programs: ${names})\n`);
    return ExitCode.USAGE;
  }

  const kconfig = kconfigOf(args.get('kconfig'), args.all('kconfig-set'), obj, io);
  if (typeof kconfig === 'number') return kconfig;
  notes.push(...kconfig.notes);
  const fresh = () => createMaps(obj, kconfig.image ? { kconfig: kconfig.image } : {});
  let maps = fresh();
  const results: RunResult[] = [];
  for (const p of packets) {
    if (args.has('fresh-maps')) maps = fresh();
    results.push(run(prog, obj, {
      packet: p.bytes, maps, tier: (args.get('tier') as 'interp' | 'jit' | undefined) ?? 'interp',
      ...(driverName !== undefined ? { driver: driverName } : {}),
      ctx: { ingressIfindex: ingress ?? 1, rxQueueIndex: queue ?? 0 },
      ...(stepLimit !== undefined ? { stepLimit } : {}),
    }));
  }
  const faulted = results.some((r) => r.faults.length > 0 || r.error !== undefined);

  if ((args.get('format') ?? 'text') === 'json') {
    const runs = results.map((r) => ({
      retval: r.retval,
      action: r.action,
      packet: hex(r.packet),
      ...(r.metaLen ? { metaLen: r.metaLen } : {}),
      ...(r.error ? { error: r.error } : {}),
      ...(r.redirect ? { redirect: r.redirect } : {}),
      ...(r.faults.length ? { faults: r.faults } : {}),
      ...(r.output.printk.length ? { printk: r.output.printk } : {}),
      ...(r.output.ringbuf.length ? { ringbuf: r.output.ringbuf.map((x) => ({ map: x.map, data: hex(x.data) })) } : {}),
      ...(r.output.perf.length ? { perf: r.output.perf.map((x) => ({ map: x.map, cpu: x.cpu, data: hex(x.data), packet: hex(x.packet) })) } : {}),
      steps: r.steps,
    }));
    io.stdout(`${JSON.stringify({ program: prog.name, ...(driverName ? { driver: driverName } : {}), runs }, null, 2)}\n`);
    return faulted ? ExitCode.FINDINGS : ExitCode.CLEAN;
  }

  const out: string[] = [];
  out.push(`${path}: ${prog.name} on ${packets.length} packet${packets.length === 1 ? '' : 's'}${driverName ? ` (driver ${driverName}, headroom ${headroom ?? 256})` : ''}`);
  for (const n of notes) out.push(`note: ${n}`);
  results.forEach((r, i) => {
    const p = packets[i]!;
    out.push('');
    if (r.error) {
      out.push(`${p.label} (${p.bytes.length} bytes): refused: ${r.error}`);
      return;
    }
    out.push(`${p.label} (${p.bytes.length} bytes): ${r.action} (retval ${r.retval}), ${r.steps} instructions`);
    if (driverActions && r.faults.length === 0) {
      const a = r.action.replace(/^XDP_/, '');
      if (!driverActions.includes(a as never)) out.push(`  note: ${driverName} does not handle ${r.action}: the driver drops the packet (bpf_warn_invalid_xdp_action)`);
    }
    for (const f of r.faults) out.push(`  fault: ${f.message}${f.region ? ` [region ${f.region}${f.offset !== undefined ? ` offset ${f.offset}` : ''}]` : ''}`);
    if (r.redirect) out.push(`  redirect: ${r.redirect.kind}${r.redirect.map ? ` ${r.redirect.map}[${r.redirect.key}]` : ''}${r.redirect.ifindex !== undefined ? ` → ifindex ${r.redirect.ifindex}` : ''}`);
    for (const l of r.output.printk) out.push(`  printk: ${l}`);
    for (const rb of r.output.ringbuf) out.push(`  ringbuf ${rb.map}: ${hex(rb.data)}`);
    for (const pe of r.output.perf) out.push(`  perf ${pe.map} (cpu ${pe.cpu}): ${hex(pe.data)}${pe.packet.length ? ` + ${pe.packet.length} packet bytes` : ''}`);
    for (const c of r.mapChanges.slice(0, 20)) out.push(`  map ${c.map}[${c.key}]${c.cpu !== undefined ? ` cpu ${c.cpu}` : ''}: ${c.before ?? '(none)'} → ${c.after ?? '(deleted)'}`);
    if (r.mapChanges.length > 20) out.push(`  … ${r.mapChanges.length - 20} more map changes`);
    out.push(...hexdumpDiff(p.bytes, r.packet, r.metaLen).map((l) => `  ${l}`));
  });
  io.stdout(`${out.join('\n')}\n`);
  return faulted ? ExitCode.FINDINGS : ExitCode.CLEAN;
}

function row(b: Uint8Array, off: number): string {
  const bytes = Array.from(b.subarray(off, off + 16), (x) => x.toString(16).padStart(2, '0'));
  const ascii = Array.from(b.subarray(off, off + 16), (x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
  return `${off.toString(16).padStart(4, '0')}  ${bytes.join(' ').padEnd(47)}  ${ascii}`;
}

/** Input vs output, 16 bytes a row: unchanged rows once, changed rows as -/+ pairs. */
export function hexdumpDiff(input: Uint8Array, output: Uint8Array, metaLen: number): string[] {
  const lines: string[] = [];
  if (metaLen) lines.push(`metadata (${metaLen} bytes): ${hex(output.subarray(0, metaLen))}`);
  const data = output.subarray(metaLen);
  if (data.length !== input.length) lines.push(`length ${input.length} → ${data.length} bytes`);
  if (data.length === input.length && input.every((x, i) => x === data[i])) {
    lines.push('packet unchanged');
    return lines;
  }
  const n = Math.max(input.length, data.length);
  for (let off = 0; off < n; off += 16) {
    const a = off < input.length ? row(input, off) : undefined;
    const b = off < data.length ? row(data, off) : undefined;
    if (a !== undefined && a === b) lines.push(`  ${a}`);
    else {
      if (a !== undefined) lines.push(`- ${a}`);
      if (b !== undefined) lines.push(`+ ${b}`);
    }
  }
  return lines;
}

/**
 * The `.kconfig` map value from --kconfig and --kconfig-set (later wins), with notes for externs
 * left at 0; an exit code on a usage error.
 */
function kconfigOf(file: string | undefined, sets: readonly string[], obj: LoadedObject, io: CliIo): { image?: Uint8Array; notes: string[] } | number {
  const values = new Map<string, string>();
  if (file !== undefined) {
    try {
      const raw = readFileSync(resolve(io.cwd, file));
      const text = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
      for (const [k, v] of parseKconfig(text)) values.set(k, v);
    } catch (e) {
      io.stderr(`xdp-check run: --kconfig ${file}: ${(e as Error).message}\n`);
      return ExitCode.USAGE;
    }
  }
  for (const s of sets) {
    const m = /^(\w+)=(.*)$/.exec(s);
    if (!m) {
      io.stderr(`xdp-check run: --kconfig-set needs NAME=VALUE (got '${s}')\n`);
      return ExitCode.USAGE;
    }
    const release = m[1] === 'LINUX_KERNEL_VERSION' && /^\d+\.\d+/.test(m[2]!) ? linuxKernelVersion(m[2]!) : undefined;
    values.set(m[1]!, release !== undefined ? String(release) : m[2]!);
  }
  const r = kconfigImage(obj, values);
  if (!r.ok) {
    io.stderr(`xdp-check run: ${r.error}\n`);
    return ExitCode.USAGE;
  }
  const notes = r.missing.length
    ? [`no value for kconfig extern${r.missing.length === 1 ? '' : 's'} ${r.missing.join(', ')}: read as 0 (libbpf would refuse to load; give --kconfig or --kconfig-set)`]
    : [];
  return { ...(r.image ? { image: r.image } : {}), notes };
}
