// A real editor that is not ours: Debian's Neovim (0.7.2) headless, its built-in LSP client
// starting `node server/out/main.js --stdio`, runs open -> save -> diagnostic at the expected
// line -> hover -> apply the quick-fix -> save -> clean. Skipped (with the reason) without nvim.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildServer, SERVER_MAIN } from '../lsp/support/buildServer';

const nvim = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
const hasNvim = nvim.status === 0;

interface FlowResult {
  steps: { name: string; ok: boolean }[];
  failed?: string;
  diagnostic?: { lnum: number; col: number; end_col: number; message: string; source: string; code: string };
  hover?: string;
  action?: string;
  fixed_line?: string;
  after?: { code: string; severity: number }[];
}

describe('Neovim headless as the LSP client', () => {
  beforeAll(async () => {
    if (hasNvim) await buildServer();
  });

  // Skipped when `nvim` is not on PATH (Debian package neovim): there is no editor to drive.
  it.skipIf(!hasNvim)('open -> save -> diagnostic -> hover -> quick-fix -> save -> clean', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xdp-nvim-'));
    const file = join(dir, 'typo.bpf.c');
    writeFileSync(file, readFileSync(join(__dirname, '..', 'lsp', 'fixtures', 'typo.bpf.c')));
    const out = join(dir, 'result.json');
    const r = spawnSync('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `luafile ${join(__dirname, 'nvim-flow.lua')}`], {
      env: { ...process.env, XDP_SERVER: SERVER_MAIN, XDP_FILE: file, XDP_RESULT: out, HOME: dir, XDG_STATE_HOME: dir, XDG_CACHE_HOME: dir },
      encoding: 'utf8',
      timeout: 90_000,
    });
    let result: FlowResult | undefined;
    try {
      result = JSON.parse(readFileSync(out, 'utf8')) as FlowResult;
    } catch {
      throw new Error(`nvim wrote no result (status ${r.status}, signal ${r.signal}): ${r.stderr}${r.stdout}`);
    }
    expect(result.failed, JSON.stringify(result)).toBeUndefined();
    expect(r.status).toBe(0);
    // `return XDP_PAS;` is line 8 of the fixture: 0-based lnum 7, after the tab at column 8.
    expect(result.diagnostic).toMatchObject({ lnum: 7, col: 8, end_col: 15, source: 'xdp', code: 'clang/error' });
    expect(result.diagnostic!.message).toContain("undeclared identifier 'XDP_PAS'");
    expect(result.hover).toContain('**clang/error**');
    expect(result.action).toContain("did you mean 'XDP_PASS'");
    expect(result.fixed_line).toBe('\treturn XDP_PASS;');
    expect(readFileSync(file, 'utf8')).toContain('return XDP_PASS;');
    // After the fix only the information that no driver was selected remains (severity 3 = INFO).
    expect(result.after).toEqual([{ code: 'xdp/portability-unchecked', severity: 3 }]);
    expect(result.steps.map((s) => s.name)).toEqual([
      'start_client', 'initialized', 'diagnostic after save', 'hover', 'code action', 'clean after fix and save',
    ]);
  });
});
