// The kernel oracle: ground truth for the verifier and emulator tests. A small C helper
// (test/oracle/oracle.c) is compiled with gcc against libbpf at test time, once per source
// version (the binary's name carries the source hash), and asked to load objects into the
// running kernel or to run a program with BPF_PROG_TEST_RUN. Needs root.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from './kernelSource';

const REPO = join(__dirname, '..', '..');
const SOURCE = join(REPO, 'test', 'oracle', 'oracle.c');
const BUILD = join(REPO, 'test', '.build');

export interface KernelVerdict {
  /** Program (function) name. */
  readonly name: string;
  readonly section: string;
  readonly verdict: 'accept' | 'reject';
  /** Positive errno of the failed load (13 EACCES for verifier rejections), 0 on accept. */
  readonly errno: number;
  /** 'libbpf' when the load failed before the verifier ran (no verifier log). */
  readonly stage: 'verifier' | 'libbpf';
  /** Verifier log: stats only on accept, level 1 trace + stats on reject. */
  readonly log: string;
  /** libbpf's own warnings for this load. */
  readonly libbpfLog: string;
  /** The kernel's "verification time" in ns (µs resolution), -1 when absent. */
  readonly verifyNs: number;
  /** The kernel's "processed N insns", -1 when absent. */
  readonly processedInsns: number;
}

export interface KernelRun {
  readonly retval: number;
  readonly dataOut: Uint8Array;
  /** Mean duration of one run as the kernel reports it (ns). */
  readonly durationNs: number;
}

export type OracleStatus = { ok: true } | { ok: false; reason: string };

let cachedBinary: string | undefined;
let cachedStatus: OracleStatus | undefined;

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Compiles the oracle if its source changed; returns the binary path. Throws on compile errors. */
export function oracleBinary(): string {
  if (cachedBinary) return cachedBinary;
  const src = readFileSync(SOURCE);
  const hash = createHash('sha256').update(src).digest('hex').slice(0, 16);
  const bin = join(BUILD, `oracle-${hash}`);
  if (!existsSync(bin)) {
    mkdirSync(BUILD, { recursive: true });
    const tmp = `${bin}.tmp${process.pid}`;
    execFileSync('gcc', ['-O2', '-o', tmp, SOURCE, '-lbpf', '-lelf', '-lz'], { stdio: 'pipe' });
    renameSync(tmp, bin);
  }
  cachedBinary = bin;
  return bin;
}

/** Whether the oracle can run here: root, gcc and libbpf headers, and a successful build. */
export function oracleAvailable(): OracleStatus {
  if (cachedStatus) return cachedStatus;
  if (!isRoot) cachedStatus = { ok: false, reason: 'the kernel oracle needs root to load BPF programs' };
  else if (!which('gcc')) cachedStatus = { ok: false, reason: 'the kernel oracle needs gcc' };
  else if (!existsSync('/usr/include/bpf/libbpf.h')) cachedStatus = { ok: false, reason: 'the kernel oracle needs libbpf-dev' };
  else {
    try {
      oracleBinary();
      cachedStatus = { ok: true };
    } catch (e) {
      cachedStatus = { ok: false, reason: `the kernel oracle failed to build: ${String((e as Error).message).slice(0, 400)}` };
    }
  }
  return cachedStatus;
}

export interface LoadOptions {
  /** Force BPF_PROG_TYPE_XDP whatever the section says. */
  readonly forceXdp?: boolean;
  /** Load only this program. */
  readonly prog?: string;
  /** BPF_F_* program flags to add (BPF_F_STRICT_ALIGNMENT = 1, BPF_F_ANY_ALIGNMENT = 2, BPF_F_TEST_STATE_FREQ = 8, BPF_F_XDP_HAS_FRAGS = 32). */
  readonly flags?: number;
}

/** Loads every program of `objPath` separately into the running kernel and reports each verdict. */
export function kernelLoad(objPath: string, options: LoadOptions = {}): KernelVerdict[] {
  const args = ['load', objPath];
  if (options.forceXdp) args.push('--type', 'xdp');
  if (options.prog) args.push('--prog', options.prog);
  if (options.flags) args.push('--flags', String(options.flags));
  const res = spawnSync(oracleBinary(), args, { encoding: 'utf8', maxBuffer: 1 << 30, timeout: 300_000 });
  if (res.error) throw res.error;
  const lines = res.stdout.split('\n').filter((l) => l.trim() !== '');
  const out: KernelVerdict[] = [];
  for (const line of lines) {
    const v = JSON.parse(line) as KernelVerdict & { error?: string };
    if (v.error) throw new Error(`oracle: ${v.error} (${objPath}): ${JSON.stringify(v)}`);
    out.push(v);
  }
  if (res.status !== 0) throw new Error(`oracle exited ${res.status}: ${res.stderr}`);
  return out;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Runs one program on one packet with BPF_PROG_TEST_RUN (fresh maps: the object is loaded anew). */
export function kernelTestRun(objPath: string, progName: string, packet: Uint8Array, repeat = 1): KernelRun {
  const res = spawnSync(oracleBinary(), ['run', objPath, progName, hex(packet), String(repeat)], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    timeout: 300_000,
  });
  if (res.error) throw res.error;
  const v = JSON.parse(res.stdout.trim()) as { retval?: number; dataOut?: string; durationNs?: number; error?: string; errno?: number; log?: string };
  if (v.error !== undefined || v.retval === undefined) {
    throw new Error(`oracle run ${progName}: ${v.error} errno=${v.errno} ${v.log ?? ''}`.trim());
  }
  return { retval: v.retval, dataOut: new Uint8Array(Buffer.from(v.dataOut ?? '', 'hex')), durationNs: v.durationNs ?? 0 };
}

export interface KernelRunError {
  readonly error: string;
  readonly errno: number;
}

/**
 * Runs one program on many packets in one oracle process; each packet gets a freshly loaded
 * program with fresh maps. A packet the kernel refuses (e.g. shorter than ETH_HLEN: EINVAL) gives
 * a KernelRunError in its place.
 */
export function kernelTestRunMany(objPath: string, progName: string, packets: readonly Uint8Array[], repeat = 1): Array<KernelRun | KernelRunError> {
  const res = spawnSync(oracleBinary(), ['runmany', objPath, progName, String(repeat)], {
    input: packets.map((p) => (p.length === 0 ? '-' : hex(p))).join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    timeout: 600_000,
  });
  if (res.error) throw res.error;
  const lines = res.stdout.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== packets.length) throw new Error(`oracle runmany: ${lines.length} results for ${packets.length} packets: ${res.stderr}`);
  return lines.map((l) => {
    const v = JSON.parse(l) as { retval?: number; dataOut?: string; durationNs?: number; error?: string; errno?: number; log?: string };
    if (v.error !== undefined || v.retval === undefined) {
      if (v.error === 'load failed') throw new Error(`oracle runmany ${progName}: load failed errno=${v.errno} ${v.log ?? ''}`);
      return { error: v.error ?? 'no result', errno: v.errno ?? 0 };
    }
    return { retval: v.retval, dataOut: new Uint8Array(Buffer.from(v.dataOut ?? '', 'hex')), durationNs: v.durationNs ?? 0 };
  });
}

/**
 * The first line of a verifier log that states the rejection: the line before the trailing
 * stats block ("verification time", "processed N insns") and skipping the "; source @ file" and
 * instruction trace lines. Used for the recorded `message` of each fixture.
 */
export function rejectionMessage(log: string): string {
  // Some messages lack their newline, so the stats block can start mid-line.
  const lines = log
    .replace(/(\S)(verification time \d+ usec)/g, '$1\n$2')
    .split('\n')
    .filter((l) => l.trim() !== '');
  let end = lines.findIndex((l) => l.startsWith('verification time '));
  if (end < 0) end = lines.length;
  const body = lines.slice(0, end);
  // The trace lines look like "12: (bf) r1 = r2 ..." or "12: R1=..." or "; src @ f.c:3" or "from 3 to 5: ...".
  const isTrace = (l: string): boolean =>
    /^\d+: /.test(l) || l.startsWith('; ') || /^from \d+ to \d+:/.test(l) || /^(mark_precise|last_idx|regs=|parent |frame\d)/.test(l);
  // Scan from the end of the body for the first run of non-trace lines; report its first line.
  let i = body.length - 1;
  while (i >= 0 && isTrace(body[i])) i--;
  if (i < 0) return '';
  let j = i;
  while (j - 1 >= 0 && !isTrace(body[j - 1])) j--;
  return body[j];
}
