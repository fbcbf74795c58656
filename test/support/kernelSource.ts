// The kernel's own sources (selftests, samples, uapi headers) come from Debian's
// linux-source-6.12 package at test time; nothing of them is committed. This extracts the
// subset the tests read into .cache/ once and returns its root, or undefined when the package
// is not installed (callers skip with that reason).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const KERNEL_TARBALL = '/usr/src/linux-source-6.12.tar.xz';
const CACHE = join(__dirname, '..', '..', '.cache');
const ROOT = join(CACHE, 'linux-source-6.12');
const SUBSET = ['tools', 'samples/bpf', 'include', 'kernel/bpf', 'net/core', 'drivers/net', 'arch/x86/include'];

export const kernelSourceMissingReason = `needs Debian's linux-source-6.12 (${KERNEL_TARBALL}); apt-get install linux-source-6.12`;

export function ensureKernelSource(): string | undefined {
  if (existsSync(join(ROOT, 'tools', 'testing', 'selftests', 'bpf', 'progs'))) return ROOT;
  if (!existsSync(KERNEL_TARBALL)) return undefined;
  mkdirSync(CACHE, { recursive: true });
  execFileSync('tar', ['-xJf', KERNEL_TARBALL, '-C', CACHE, '--wildcards', ...SUBSET.map((s) => `linux-source-6.12/${s}/*`)], {
    stdio: 'ignore',
    timeout: 600_000,
  });
  return ROOT;
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
