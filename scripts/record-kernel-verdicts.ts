// Loads every verifier fixture into the running kernel through the oracle and writes the
// verdicts to test/fixtures/verifier/kernel-verdicts.json. Prints every disagreement between a
// fixture's annotations and the kernel (the kernel is the truth: fix the fixture).
//   node scripts/record-kernel-verdicts.mjs [--check] [name-filter]
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import {
  buildFixture,
  kernelReportedLine,
  KERNEL_VERDICTS,
  listFixtures,
  parseAnnotations,
  readKernelVerdicts,
  type KernelVerdicts,
} from '../test/support/fixtures';
import { kernelLoad, oracleAvailable, rejectionMessage } from '../test/support/oracle';

export function kernelRelease(): string {
  const m = release().match(/^(\d+)\.(\d+)/);
  return m ? `${m[1]}.${m[2]}` : release();
}

export function main(argv: string[]): number {
  const check = argv.includes('--check');
  const filter = argv.find((a) => !a.startsWith('--'));
  const st = oracleAvailable();
  if (!st.ok) {
    console.error(`cannot record: ${st.reason}`);
    return 2;
  }
  const kernel = kernelRelease();
  const out: KernelVerdicts = filter ? readKernelVerdicts() : {};
  let disagreements = 0;
  let programs = 0;
  for (const path of listFixtures()) {
    const file = basename(path);
    if (filter && !file.includes(filter)) continue;
    const ann = parseAnnotations(readFileSync(path, 'utf8'));
    for (const p of ann.problems) {
      console.log(`${file}: annotation problem: ${p}`);
      disagreements++;
    }
    let obj: string;
    try {
      obj = buildFixture(path);
    } catch (e) {
      console.log(`${file}: COMPILE FAILED\n${String((e as { stderr?: Buffer }).stderr ?? e).slice(0, 1500)}`);
      disagreements++;
      continue;
    }
    const verdicts = kernelLoad(obj);
    const rec: KernelVerdicts[string] = {};
    for (const v of verdicts) {
      programs++;
      const line = v.verdict === 'reject' ? kernelReportedLine(v.log) : undefined;
      const message = v.verdict === 'reject' ? (v.stage === 'libbpf' ? `libbpf: ${v.libbpfLog.split('\n')[0]}` : rejectionMessage(v.log)) : '';
      rec[v.name] = { verdict: v.verdict, message, kernel, ...(line !== undefined ? { line } : {}), processedInsns: v.processedInsns };
      const exp = ann.programs.find((p) => p.name === v.name);
      const where = `${file}:${v.name}`;
      if (!exp) {
        console.log(`${where}: no expect annotation (kernel: ${v.verdict} ${message})`);
        disagreements++;
      } else if (exp.verdict !== v.verdict) {
        console.log(`${where}: expected ${exp.verdict}, kernel ${v.verdict}: ${message}`);
        if (v.verdict === 'reject') console.log(v.log.split('\n').slice(-12).join('\n'));
        disagreements++;
      } else if (v.verdict === 'reject') {
        if (v.stage === 'libbpf') {
          console.log(`${where}: rejected by libbpf before the verifier ran: ${message}`);
          disagreements++;
        }
        if (exp.msg && !v.log.includes(exp.msg)) {
          console.log(`${where}: msg "${exp.msg}" not in kernel log; first error line: ${message}`);
          disagreements++;
        }
        if (exp.line !== undefined && line !== undefined && exp.line !== line) {
          console.log(`${where}: marker on line ${exp.line}, kernel reports line ${line} (${message})`);
          disagreements++;
        }
        if (exp.line === undefined && line !== undefined) {
          console.log(`${where}: no // ^ marker; kernel reports line ${line} (${message})`);
          disagreements++;
        }
      }
    }
    for (const p of ann.programs) {
      if (!verdicts.some((v) => v.name === p.name)) {
        console.log(`${file}:${p.name}: annotated but not in the object`);
        disagreements++;
      }
    }
    out[file] = rec;
  }
  if (!check) {
    const sorted: KernelVerdicts = {};
    for (const k of Object.keys(out).sort()) sorted[k] = out[k];
    writeFileSync(KERNEL_VERDICTS, JSON.stringify(sorted, null, 1) + '\n');
  }
  console.log(`${programs} programs, ${disagreements} disagreements${check ? '' : `; wrote ${KERNEL_VERDICTS}`}`);
  return disagreements === 0 ? 0 : 1;
}
