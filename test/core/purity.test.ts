// Architecture invariant: server/src/core is pure. It may not import the editor, processes,
// threads or the file system, so it can run in a worker, a CLI, or a test without IO.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const CORE = join(__dirname, '..', '..', 'server', 'src', 'core');
const FORBIDDEN = /^(node:)?(vscode.*|child_process|worker_threads|fs|fs\/promises)$/;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

export function forbiddenImports(source: string): string[] {
  const specs = [...source.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g)]
    .map((m) => m[1] ?? m[2] ?? m[3] ?? m[4] ?? '');
  return specs.filter((s) => FORBIDDEN.test(s));
}

describe('core purity', () => {
  it('detects a forbidden import (the check itself works)', () => {
    expect(forbiddenImports(`import { readFileSync } from 'node:fs';`)).toEqual(['node:fs']);
    expect(forbiddenImports(`import * as cp from "child_process"`)).toEqual(['child_process']);
    expect(forbiddenImports(`const w = require('worker_threads')`)).toEqual(['worker_threads']);
    expect(forbiddenImports(`import { x } from 'vscode-languageserver/node'`)).toEqual(['vscode-languageserver/node']);
    expect(forbiddenImports(`import { x } from './fs'`)).toEqual([]);
  });

  it('server/src/core imports no vscode*, child_process, worker_threads or fs', () => {
    const files = tsFiles(CORE);
    expect(files.length).toBeGreaterThan(0);
    const violations = files.flatMap((f) =>
      forbiddenImports(readFileSync(f, 'utf8')).map((s) => `${relative(CORE, f)} imports ${s}`),
    );
    expect(violations).toEqual([]);
  });
});
