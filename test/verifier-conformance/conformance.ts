// Conformance of our verifier with the kernel: our fixtures (expected verdict = the kernel's
// recorded verdict) and the kernel's verifier selftests (expected = the running kernel's verdict
// when the oracle can load them, else the test's own __success/__failure tag). Prints one row
// per suite: total, agree, unsound (we accept, kernel rejects), imprecise (we reject, kernel
// accepts), errors (our verifier could not decide), and overall agreement; for agreeing
// rejections also whether our message, bpf/ code and C line match the kernel's.
//
// Only XDP programs are run: our verifier models the XDP context only. Socket-filter and tc
// programs of the selected selftest files are counted in "other types" and not run.
// Library for scripts/conformance.ts (`npm run conformance`) and conformance.test.ts.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { basename, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { loadObject } from '../../server/src/core/loader/index';
import { ProgType, type LoadedObject, type Program } from '../../server/src/core/program';
import * as verifierModule from '../../server/src/core/verifier/index';
import type { VerifyResult } from '../../server/src/core/verifier/result';
import { buildFixture, listFixtures, parseAnnotations, readKernelVerdicts } from '../support/fixtures';
import { ensureKernelSource } from '../support/kernelSource';
import { kernelLoad, oracleAvailable } from '../support/oracle';
import { listVerifierSelftests, loadSelftest, type SelftestExpectation } from '../support/selftests';

type VerifyFn = (program: Program, obj: LoadedObject, opts?: { cancel?: Int32Array; log?: boolean }) => VerifyResult;

/** The selftest files the issue names; verifier_bounds* is a prefix. */
export const SELFTESTS_OF_INTEREST = [
  'verifier_xdp.c', 'verifier_xdp_direct_packet_access.c', 'verifier_direct_packet_access.c', 'verifier_meta_access.c',
  'verifier_helper_packet_access.c', 'verifier_bounds*', 'verifier_ctx.c', 'verifier_stack_ptr.c', 'verifier_spill_fill.c',
  'verifier_loops1.c',
];

export interface Disagreement {
  readonly suite: string;
  readonly program: string;
  readonly expected: 'accept' | 'reject';
  readonly ours: 'accept' | 'reject' | 'error';
  /** The kernel's message (or the selftest's expected messages). */
  readonly kernelMessage: string;
  readonly ourMessage: string;
  readonly kind: 'unsound' | 'imprecise' | 'error' | 'code' | 'line' | 'msg';
}

export interface SuiteRow {
  readonly suite: string;
  total: number;
  agree: number;
  unsound: number;
  imprecise: number;
  errors: number;
  /** Fixtures: rejections where our first finding has the annotated bpf/ code. */
  codeMatch?: number;
  codeTotal?: number;
  /**
   * Agreeing rejections whose message matches: fixtures, our first finding's message equals the
   * kernel's recorded first error line; selftests, every __msg substring appears in our log.
   */
  msgMatch: number;
  msgTotal: number;
  /** Fixtures: agreeing rejections with a `// ^` marker where our finding is on the marker's line. */
  lineMatch?: number;
  lineTotal?: number;
  /** Selftests: programs of other types, not run. */
  otherTypes: number;
  /** Selftests: programs whose tag disagrees with the running kernel (the kernel wins). */
  tagVsKernel: number;
  ms: number;
}

export interface ConformanceReport {
  readonly rows: SuiteRow[];
  readonly total: number;
  readonly agree: number;
  readonly unsound: number;
  readonly imprecise: number;
  readonly errors: number;
  readonly disagreements: Disagreement[];
  readonly notes: string[];
}

export interface ConformanceOptions {
  /** Re-check selftest expectations with the running kernel when the oracle is available. */
  readonly useKernel?: boolean;
  readonly filter?: string;
  /** Per-program time budget for our verifier (ms). */
  readonly budgetMs?: number;
  readonly selftests?: boolean;
  readonly fixtures?: boolean;
}

export function verifierAvailable(): VerifyFn | undefined {
  const v = (verifierModule as unknown as { verify?: VerifyFn }).verify;
  return typeof v === 'function' ? v : undefined;
}

/** A watchdog thread that raises the cancel flag when one verify() call overruns its budget. */
class Watchdog {
  readonly flag = new Int32Array(new SharedArrayBuffer(8));
  private readonly worker: Worker;
  private seq = 0;
  constructor(private readonly budgetMs: number) {
    this.worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const flag = workerData;
       parentPort.on('message', ({ seq, ms }) => {
         setTimeout(() => { if (Atomics.load(flag, 1) === seq) Atomics.store(flag, 0, 1); }, ms);
       });`,
      { eval: true, workerData: this.flag },
    );
    this.worker.unref();
  }
  arm(): void {
    this.seq++;
    Atomics.store(this.flag, 0, 0);
    Atomics.store(this.flag, 1, this.seq);
    this.worker.postMessage({ seq: this.seq, ms: this.budgetMs });
  }
  disarm(): void {
    Atomics.store(this.flag, 1, 0);
    Atomics.store(this.flag, 0, 0);
  }
  close(): Promise<number> {
    return this.worker.terminate();
  }
}

function emptyRow(suite: string): SuiteRow {
  return { suite, total: 0, agree: 0, unsound: 0, imprecise: 0, errors: 0, msgMatch: 0, msgTotal: 0, otherTypes: 0, tagVsKernel: 0, ms: 0 };
}

function firstMessage(r: VerifyResult): string {
  return r.findings[0]?.message ?? '';
}

function tally(row: SuiteRow, out: Disagreement[], program: string, expected: 'accept' | 'reject', r: VerifyResult, kernelMessage: string): void {
  row.total++;
  const ours = r.verdict;
  if (ours === expected) row.agree++;
  else if (ours === 'error') {
    row.errors++;
    out.push({ suite: row.suite, program, expected, ours, kernelMessage, ourMessage: firstMessage(r), kind: 'error' });
  } else if (ours === 'accept') {
    row.unsound++;
    out.push({ suite: row.suite, program, expected, ours, kernelMessage, ourMessage: '', kind: 'unsound' });
  } else {
    row.imprecise++;
    out.push({ suite: row.suite, program, expected, ours, kernelMessage, ourMessage: firstMessage(r), kind: 'imprecise' });
  }
}

function runOne(verify: VerifyFn, dog: Watchdog, p: Program, obj: LoadedObject, log = false): VerifyResult {
  dog.arm();
  try {
    return verify(p, obj, { cancel: dog.flag, log });
  } catch (e) {
    return {
      verdict: 'error',
      findings: [{ code: 'analysis/failed', severity: 'error', message: `verify threw: ${(e as Error).message}`, range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } } } as never],
      stats: { processedInsns: 0, peakStates: 0, totalStates: 0, verifyMs: 0 },
      states: [],
      calls: [],
      exits: [],
    };
  } finally {
    dog.disarm();
  }
}

function kernelRelease(): string {
  const m = release().match(/^(\d+)\.(\d+)/);
  return m ? `${m[1]}.${m[2]}` : release();
}

// BPF_F_* values from include/uapi/linux/bpf.h (6.12).
const FLAG_BITS: Record<string, number> = {
  BPF_F_STRICT_ALIGNMENT: 1, BPF_F_ANY_ALIGNMENT: 2, BPF_F_TEST_RND_HI32: 4, BPF_F_TEST_STATE_FREQ: 8,
  BPF_F_SLEEPABLE: 16, BPF_F_XDP_HAS_FRAGS: 32, BPF_F_TEST_REG_INVARIANTS: 128,
};

function flagMask(flags: string[]): number {
  let m = 0;
  for (const f of flags) {
    if (f.startsWith('!')) continue;
    m |= FLAG_BITS[f] ?? (Number(f) || 0);
  }
  return m;
}

interface KernelSelftestVerdict {
  verdict: 'accept' | 'reject';
  stage: string;
  message: string;
}

/** The running kernel's verdicts for one selftest object's tests, cached beside the object. */
function kernelSelftestVerdicts(objPath: string, tests: SelftestExpectation[]): Record<string, KernelSelftestVerdict> {
  const cache = `${objPath}.kernel-${kernelRelease()}.json`;
  if (existsSync(cache)) return JSON.parse(readFileSync(cache, 'utf8')) as Record<string, KernelSelftestVerdict>;
  const out: Record<string, KernelSelftestVerdict> = {};
  const plain = tests.filter((t) => flagMask(t.flags) === 0).map((t) => t.name);
  if (plain.length > 0) {
    for (const v of kernelLoad(objPath)) {
      if (plain.includes(v.name)) out[v.name] = { verdict: v.verdict, stage: v.stage, message: v.log.split('\n').filter((l) => l && !/^\d+: |^; |^verification time|^processed |^stack depth/.test(l)).slice(-2).join(' | ') };
    }
  }
  for (const t of tests.filter((t) => flagMask(t.flags) !== 0)) {
    for (const v of kernelLoad(objPath, { prog: t.name, flags: flagMask(t.flags) })) {
      out[v.name] = { verdict: v.verdict, stage: v.stage, message: v.log.split('\n').filter((l) => l && !/^\d+: |^; |^verification time|^processed |^stack depth/.test(l)).slice(-2).join(' | ') };
    }
  }
  mkdirSync(join(objPath, '..'), { recursive: true });
  writeFileSync(cache, JSON.stringify(out));
  return out;
}

function ofInterest(file: string): boolean {
  return SELFTESTS_OF_INTEREST.some((p) => (p.endsWith('*') ? file.startsWith(p.slice(0, -1)) : file === p));
}

export async function runConformance(verify: VerifyFn, opts: ConformanceOptions = {}): Promise<ConformanceReport> {
  const dog = new Watchdog(opts.budgetMs ?? 30_000);
  const rows: SuiteRow[] = [];
  const dis: Disagreement[] = [];
  const notes: string[] = [];
  try {
    if (opts.fixtures !== false) {
      const records = readKernelVerdicts();
      const row = emptyRow('fixtures (ours, kernel-recorded)');
      row.codeMatch = 0;
      row.codeTotal = 0;
      row.lineMatch = 0;
      row.lineTotal = 0;
      const t0 = performance.now();
      for (const path of listFixtures()) {
        const file = basename(path);
        if (opts.filter && !file.includes(opts.filter)) continue;
        const ann = parseAnnotations(readFileSync(path, 'utf8'));
        let objPath: string;
        try {
          objPath = buildFixture(path);
        } catch (e) {
          notes.push(`fixture ${file} did not compile: ${String(e).slice(0, 200)}`);
          continue;
        }
        const loaded = loadObject(new Uint8Array(readFileSync(objPath)));
        if (!loaded.ok) {
          notes.push(`fixture ${file}: loader failed: ${JSON.stringify(loaded.error)}`);
          continue;
        }
        for (const p of loaded.value.programs) {
          const rec = records[file]?.[p.name];
          if (!rec) {
            notes.push(`fixture ${file}:${p.name} has no kernel record`);
            continue;
          }
          const r = runOne(verify, dog, p, loaded.value);
          tally(row, dis, `${file}:${p.name}`, rec.verdict, r, rec.message);
          const a = ann.programs.find((x) => x.name === p.name);
          if (rec.verdict === 'reject' && r.verdict === 'reject') {
            row.msgTotal++;
            if (firstMessage(r) === rec.message) row.msgMatch++;
            else dis.push({ suite: row.suite, program: `${file}:${p.name}`, expected: 'reject', ours: 'reject', kernelMessage: rec.message, ourMessage: firstMessage(r), kind: 'msg' });
          }
          if (rec.verdict === 'reject' && r.verdict === 'reject' && a?.line !== undefined) {
            row.lineTotal!++;
            const ourLine = r.findings[0]?.range.start.line;
            if (ourLine === a.line) row.lineMatch!++;
            else dis.push({ suite: row.suite, program: `${file}:${p.name}`, expected: 'reject', ours: 'reject', kernelMessage: `line ${a.line}: ${rec.message}`, ourMessage: `line ${ourLine}: ${firstMessage(r)}`, kind: 'line' });
          }
          if (rec.verdict === 'reject' && r.verdict === 'reject' && a?.code) {
            row.codeTotal!++;
            if (r.findings[0]?.code === a.code) row.codeMatch!++;
            else dis.push({ suite: row.suite, program: `${file}:${p.name}`, expected: 'reject', ours: 'reject', kernelMessage: `${a.code}: ${rec.message}`, ourMessage: `${r.findings[0]?.code}: ${firstMessage(r)}`, kind: 'code' });
          }
        }
      }
      row.ms = performance.now() - t0;
      rows.push(row);
    }

    if (opts.selftests !== false) {
      const root = ensureKernelSource();
      if (!root) notes.push('kernel selftests skipped: linux-source-6.12 tarball missing');
      else {
        const useKernel = opts.useKernel !== false && oracleAvailable().ok;
        if (!useKernel) notes.push('selftest expectations from their tags only (kernel oracle unavailable or disabled)');
        const rest = emptyRow('other verifier_*.c (XDP programs)');
        for (const file of listVerifierSelftests(root)) {
          if (opts.filter && !file.includes(opts.filter)) continue;
          const interest = ofInterest(file);
          const st = loadSelftest(root, file);
          if ('error' in st) {
            notes.push(`selftest ${file} not loaded: ${st.error.split('\n')[0]}`);
            continue;
          }
          const row = interest ? emptyRow(file.replace(/\.c$/, '')) : rest;
          const xdp = st.tests.filter((t) => t.progType === ProgType.XDP);
          row.otherTypes += st.tests.length - xdp.length;
          if (xdp.length === 0) {
            if (interest) rows.push(row);
            continue;
          }
          const kernel = useKernel ? kernelSelftestVerdicts(st.objPath, xdp) : {};
          const t0 = performance.now();
          for (const t of xdp) {
            const p = st.object.programs.find((x) => x.name === t.name)!;
            const k = kernel[t.name];
            let expected = t.verdict;
            let msg = t.msgs.join(' … ');
            if (k && k.stage === 'verifier') {
              if (k.verdict !== t.verdict) {
                row.tagVsKernel++;
                notes.push(`${file}:${t.name}: tag says ${t.verdict}, kernel ${kernelRelease()} says ${k.verdict} (${k.message}); the kernel is used`);
              }
              expected = k.verdict;
              msg = k.message || msg;
            } else if (k && k.stage === 'libbpf') {
              notes.push(`${file}:${t.name}: libbpf could not load it for the kernel check; using the tag`);
            }
            const r = runOne(verify, dog, p, st.object);
            tally(row, dis, `${file}:${t.name}`, expected, r, msg);
            if (expected === 'reject' && r.verdict === 'reject' && t.msgs.length > 0 && t.verdict === 'reject') {
              row.msgTotal++;
              const withLog = runOne(verify, dog, p, st.object, true);
              const text = [...(withLog.log ?? []), ...withLog.findings.map((f) => f.message)].join('\n');
              const missing = t.msgs.filter((m) => !text.includes(m));
              if (missing.length === 0) row.msgMatch++;
              else dis.push({ suite: row.suite, program: `${file}:${t.name}`, expected, ours: 'reject', kernelMessage: missing.join(' … '), ourMessage: firstMessage(r), kind: 'msg' });
            }
          }
          row.ms += performance.now() - t0;
          if (interest) rows.push(row);
        }
        if (rest.total > 0 || rest.otherTypes > 0) rows.push(rest);
      }
    }
  } finally {
    await dog.close();
  }
  const sum = (k: 'total' | 'agree' | 'unsound' | 'imprecise' | 'errors'): number => rows.reduce((a, r) => a + r[k], 0);
  return { rows, total: sum('total'), agree: sum('agree'), unsound: sum('unsound'), imprecise: sum('imprecise'), errors: sum('errors'), disagreements: dis, notes };
}

export function formatReport(rep: ConformanceReport, details: boolean): string {
  const head = ['suite', 'total', 'agree', 'unsound', 'imprecise', 'errors', 'agree%', 'msgs', 'codes', 'lines', 'other types', 'tag≠kernel'];
  const lines = rep.rows.map((r) => [
    r.suite, String(r.total), String(r.agree), String(r.unsound), String(r.imprecise), String(r.errors),
    r.total ? ((100 * r.agree) / r.total).toFixed(1) : '-',
    r.msgTotal ? `${r.msgMatch}/${r.msgTotal}` : '',
    r.codeTotal !== undefined ? `${r.codeMatch}/${r.codeTotal}` : '',
    r.lineTotal !== undefined ? `${r.lineMatch}/${r.lineTotal}` : '',
    r.otherTypes ? String(r.otherTypes) : '', r.tagVsKernel ? String(r.tagVsKernel) : '',
  ]);
  lines.push(['overall', String(rep.total), String(rep.agree), String(rep.unsound), String(rep.imprecise), String(rep.errors),
    rep.total ? ((100 * rep.agree) / rep.total).toFixed(2) : '-', '', '', '', '', '']);
  const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (l: string[]): string => l.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  const out = [fmt(head), w.map((n) => '-'.repeat(n)).join('  '), ...lines.slice(0, -1).map(fmt), w.map((n) => '-'.repeat(n)).join('  '), fmt(lines[lines.length - 1])];
  if (details) {
    out.push('', 'disagreements:');
    for (const d of rep.disagreements) out.push(`  [${d.kind}] ${d.program}: expected ${d.expected}, ours ${d.ours}; kernel: ${d.kernelMessage.slice(0, 160)}; ours: ${d.ourMessage.slice(0, 160)}`);
    if (rep.notes.length) out.push('', 'notes:', ...rep.notes.map((n) => `  ${n}`));
  } else {
    const counts = { unsound: 0, imprecise: 0, error: 0, code: 0, line: 0, msg: 0 };
    for (const d of rep.disagreements) counts[d.kind]++;
    out.push('', `${rep.disagreements.length} disagreements (unsound ${counts.unsound}, imprecise ${counts.imprecise}, error ${counts.error}, code mismatch ${counts.code}, line mismatch ${counts.line}, message mismatch ${counts.msg}); ${rep.notes.length} notes. --details lists them.`);
  }
  return out.join('\n');
}
