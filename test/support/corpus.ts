// A corpus of real BPF objects compiled at test time from the kernel's own sources (Debian's
// linux-source-6.12): the XDP selftests, the verifier selftests and the XDP samples. Nothing of
// it is committed; objects are cached in .cache/corpus keyed by source path and clang version.
// Files that do not compile with the tools here are counted, not failed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ensureKernelSource } from './kernelSource';

const CACHE = join(__dirname, '..', '..', '.cache', 'corpus');

export interface Corpus {
  readonly objects: string[];
  readonly failed: string[];
}

function have(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the corpus cannot be built here, or undefined when it can. */
export function corpusUnavailable(): string | undefined {
  if (!have('clang-19')) return 'needs clang-19 (apt-get install clang-19) for the kernel selftests';
  if (!existsSync('/sys/kernel/btf/vmlinux') || !have('bpftool')) return 'needs bpftool and /sys/kernel/btf/vmlinux for vmlinux.h';
  if (ensureKernelSource() === undefined) return "needs Debian's linux-source-6.12";
  return undefined;
}

function multiarchInclude(): string {
  try {
    return `/usr/include/${execFileSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).trim()}`;
  } catch {
    return '/usr/include/x86_64-linux-gnu';
  }
}

/**
 * Compiles the corpus (once; later calls reuse .cache). `filter` picks source base names.
 * The selftests use the system libbpf headers: the tree's tools/lib/bpf lacks the generated
 * bpf_helper_defs.h.
 */
export function buildKernelCorpus(filter: (name: string) => boolean = () => true): Corpus {
  const root = ensureKernelSource();
  if (root === undefined) return { objects: [], failed: [] };
  mkdirSync(CACHE, { recursive: true });
  const vmlinux = join(CACHE, 'vmlinux.h');
  if (!existsSync(vmlinux)) {
    writeFileSync(vmlinux, execFileSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'c'], { maxBuffer: 1 << 28 }));
  }
  const st = join(root, 'tools', 'testing', 'selftests', 'bpf');
  const progs = join(st, 'progs');
  const sources = readdirSync(progs)
    .filter((f) => f.endsWith('.c') && (f.includes('xdp') || f.startsWith('verifier_')))
    .map((f) => join(progs, f));
  const samples = join(root, 'samples', 'bpf');
  if (existsSync(samples)) {
    sources.push(...readdirSync(samples).filter((f) => /^xdp.*(_kern\.c|\.bpf\.c)$/.test(f)).map((f) => join(samples, f)));
  }
  const flags = [
    '-target', 'bpf', '-mcpu=v3', '-g', '-O2', '-c', '-I', CACHE, '-I', st, '-I', progs,
    '-I', join(root, 'tools', 'include', 'uapi'), '-I', multiarchInclude(), '-D__TARGET_ARCH_x86',
    '-Wno-compare-distinct-pointer-types', '-w',
  ];
  const objects: string[] = [];
  const failed: string[] = [];
  for (const src of sources.filter((s) => filter(basename(s, '.c')))) {
    const out = join(CACHE, `${basename(src, '.c')}.o`);
    const fail = `${out}.failed`;
    if (existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs) {
      objects.push(out);
      continue;
    }
    if (existsSync(fail)) {
      failed.push(src);
      continue;
    }
    try {
      execFileSync('clang-19', [...flags, src, '-o', out], { stdio: 'ignore', timeout: 120_000 });
      objects.push(out);
    } catch {
      writeFileSync(fail, '');
      failed.push(src);
    }
  }
  return { objects, failed };
}
