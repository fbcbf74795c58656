// The XDP analysis fixtures: test/fixtures/xdp/*.c, our own programs with `expect-finding` /
// `expect-no-finding` annotations (see xdp_fixture.h). Compiled at test time with clang into
// test/.build/xdp-fixtures/, cached by content hash.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';

const REPO = join(__dirname, '..', '..', '..');
export const XDP_FIXTURE_DIR = join(REPO, 'test', 'fixtures', 'xdp');
const BUILD = join(REPO, 'test', '.build', 'xdp-fixtures');

export interface Expectation {
  readonly present: boolean;
  readonly code: string;
  readonly driver: string | null;
  readonly kernel?: string;
  readonly redirectTo?: string;
  /** 1-based line the finding must start on. */
  readonly line: number;
  /** Line of the annotation itself (for messages). */
  readonly at: number;
}

const ANN = /(expect-(?:no-)?finding):\s*(xdp\/[a-z-]+)((?:\s+[a-z-]+=[^\s]+)*)/g;

export function parseXdpAnnotations(text: string): { expectations: Expectation[]; problems: string[] } {
  const lines = text.split('\n');
  const out: Expectation[] = [];
  const problems: string[] = [];
  const commentOnly = (l: string) => /^\s*(\/\/.*)?$/.test(l);
  lines.forEach((l, i) => {
    for (const m of l.matchAll(ANN)) {
      const attrs = Object.fromEntries([...m[3].matchAll(/([a-z-]+)=(\S+)/g)].map((a) => [a[1], a[2]]));
      if (!attrs.driver) problems.push(`line ${i + 1}: annotation without driver=`);
      let line = i + 1;
      if (commentOnly(l)) {
        let j = i + 1;
        while (j < lines.length && commentOnly(lines[j])) j++;
        line = j + 1;
      }
      out.push({
        present: m[1] === 'expect-finding', code: m[2], driver: attrs.driver === 'none' ? null : attrs.driver ?? null,
        ...(attrs.kernel ? { kernel: attrs.kernel } : {}), ...(attrs['redirect-to'] ? { redirectTo: attrs['redirect-to'] } : {}),
        line, at: i + 1,
      });
    }
  });
  return { expectations: out, problems };
}

export function listXdpFixtures(): string[] {
  return readdirSync(XDP_FIXTURE_DIR).filter((f) => f.endsWith('.c')).sort().map((f) => join(XDP_FIXTURE_DIR, f));
}

let multiarch: string | undefined;

export function buildXdpFixture(path: string): string {
  const text = readFileSync(path, 'utf8');
  const header = readFileSync(join(XDP_FIXTURE_DIR, 'xdp_fixture.h'));
  const hash = createHash('sha256').update(text).update(header).digest('hex').slice(0, 16);
  const obj = join(BUILD, `${basename(path, '.c')}-${hash}.o`);
  if (existsSync(obj)) return obj;
  mkdirSync(BUILD, { recursive: true });
  multiarch ??= execFileSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).trim();
  const tmp = `${obj}.tmp${process.pid}`;
  execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-Wall', '-I', `/usr/include/${multiarch}`, '-I', XDP_FIXTURE_DIR, '-c', path, '-o', tmp], { stdio: 'pipe', timeout: 120_000 });
  renameSync(tmp, obj);
  return obj;
}
