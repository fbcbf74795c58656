// libbpf as the oracle for relocation and linking: `bpftool -d prog loadall` prints libbpf's
// debug log, which names every map reference it resolves ("prog 'f': found map 3 (...) for insn
// #12") and every bpf-to-bpf call it links ("prog 'f': insn #4 relocated, imm 2 points to
// subprog 'g' (now at 7 offset)"). Instruction numbers there count from the start of function
// 'f' (an entry program or a .text subprogram). Our loaded programs must hold the same map index
// at that instruction, and the same call imm and callee position. This runs libbpf against the
// running kernel, so it needs root, bpftool and bpffs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LdImm64Src } from '../../../server/src/core/isa/opcodes';
import { loadObject } from '../../../server/src/core/loader';
import type { LoadedObject } from '../../../server/src/core/program';
import { buildKernelCorpus, corpusUnavailable } from '../../support/corpus';
import { isRoot } from '../../support/kernelSource';
import { BUILD, FIXTURE_COMPILERS, FIXTURES, fixtureObject, hasTool } from './fixtures';

const usable = isRoot && hasTool('bpftool') && existsSync('/sys/fs/bpf');

interface Checked {
  readonly maps: number;
  readonly calls: number;
  readonly problems: string[];
}

/** Every place function `name` was copied to: [program, slot of its first instruction]. */
function copies(o: LoadedObject, name: string): [LoadedObject['programs'][number], number][] {
  const out: [LoadedObject['programs'][number], number][] = [];
  for (const p of o.programs) for (const f of p.funcs) if (f.name === name) out.push([p, f.start]);
  return out;
}

function compareWithLibbpf(objPath: string): Checked {
  const pin = `/sys/fs/bpf/xdplens_loader_${process.pid}`;
  mkdirSync(pin, { recursive: true });
  const r = spawnSync('bpftool', ['-d', 'prog', 'loadall', objPath, pin], { encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 28 });
  rmSync(pin, { recursive: true, force: true });
  const log = `${r.stdout}\n${r.stderr}`;
  const loaded = loadObject(new Uint8Array(readFileSync(objPath)));
  const problems: string[] = [];
  let maps = 0;
  let calls = 0;
  for (const line of log.split('\n')) {
    let m = /^libbpf: prog '([^']+)': found (?:data )?map (\d+) \(([^,]+), sec \d+, off \d+\) for insn #?(\d+)$/.exec(line);
    if (m) {
      if (!loaded.ok) return { maps, calls, problems: [`we refuse what libbpf relocates: ${loaded.error.message}`] };
      const [, fn, idx, mapName, insn] = m;
      const where = copies(loaded.value, fn!);
      const ok = where.length > 0 && where.every(([p, start]) => {
        const i = p.insns[start + Number(insn)];
        return i !== undefined && i.code === 0x18 && (i.src === LdImm64Src.MAP_IDX || i.src === LdImm64Src.MAP_IDX_VALUE) && i.imm === Number(idx);
      });
      if (ok) maps++;
      else problems.push(`${objPath}: ${fn} insn ${insn}: libbpf uses map ${idx} (${mapName}), we do not`);
      continue;
    }
    m = /^libbpf: prog '([^']+)': insn #(\d+) relocated, imm (-?\d+) points to subprog '([^']+)' \(now at (\d+) offset\)$/.exec(line);
    if (m) {
      if (!loaded.ok) return { maps, calls, problems: [`we refuse what libbpf links: ${loaded.error.message}`] };
      const [, fn, insn, imm, sub, at] = m;
      // libbpf prints this per main program; at least one of our programs must match it exactly.
      const ok = copies(loaded.value, fn!).some(([p, start]) => {
        const i = p.insns[start + Number(insn)];
        return i !== undefined && i.imm === Number(imm) && p.funcs.some((f) => f.name === sub && f.start === Number(at));
      });
      if (ok) calls++;
      else problems.push(`${objPath}: ${fn} insn ${insn}: libbpf links imm ${imm} to '${sub}' at ${at}, we do not`);
    }
  }
  return { maps, calls, problems };
}

describe('relocations and linking agree with libbpf (bpftool -d prog loadall)', () => {
  it.skipIf(!usable)('on the loader fixtures libbpf accepts (needs root, bpftool, bpffs)', () => {
    let maps = 0;
    let calls = 0;
    // subprogs (static function in a program section), legacy ('maps' section) and sections
    // (unknown 'xdp_foo' type) are refused by libbpf 1.x before it relocates anything.
    for (const name of ['basic', 'maps', 'globals', 'kfuncs', 'btf_kinds']) {
      fixtureObject(name);
      const path = hasTool(FIXTURE_COMPILERS[name]!) ? join(BUILD, `${name}.o`) : join(FIXTURES, `${name}.o`);
      const c = compareWithLibbpf(path);
      expect(c.problems).toEqual([]);
      maps += c.maps;
      calls += c.calls;
    }
    expect(maps).toBeGreaterThan(20);
    expect(calls).toBeGreaterThanOrEqual(2);
  });

  const reason = corpusUnavailable();
  it.skipIf(!usable || reason !== undefined)(`on the XDP and verifier selftests corpus (${reason ?? 'needs root, bpftool, bpffs'})`, () => {
    const corpus = buildKernelCorpus();
    let maps = 0;
    let calls = 0;
    const problems: string[] = [];
    for (const obj of corpus.objects) {
      const c = compareWithLibbpf(obj);
      problems.push(...c.problems);
      maps += c.maps;
      calls += c.calls;
    }
    console.log(`loader vs libbpf: ${corpus.objects.length} objects, ${maps} map references and ${calls} subprogram calls agree`);
    expect(problems).toEqual([]);
    expect(maps).toBeGreaterThan(50);
  });
});
