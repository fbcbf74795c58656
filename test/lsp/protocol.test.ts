// In-process protocol tests: the real server (server/src/lsp) and the real worker bundle, talking
// JSON-RPC over pipes to a test client. Each test names what the user would see.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { codeDocUrl } from '../../server/src/core/diagnostics/codes';
import { ServerCommands } from '../../server/src/lsp/protocol';
import { applyEdit } from './support/lspClient';
import { startInProcess, tempFile, type InProcess } from './support/inProcess';

const FIX = join(__dirname, 'fixtures');
const TYPO = readFileSync(join(FIX, 'typo.bpf.c'), 'utf8');
const HELPERS = readFileSync(join(FIX, 'helpers.bpf.c'), 'utf8');

let lsp: InProcess;
beforeAll(async () => {
  lsp = await startInProcess();
  await lsp.client.initialize();
});
afterAll(async () => {
  await lsp?.stop();
});

/** Errors and warnings: what "clean" means (an info finding says driver checks need a driver). */
function problems(ds: Diagnostic[]): Diagnostic[] {
  return ds.filter((d) => d.severity === 1 || d.severity === 2);
}

/** Writes new text to disk and sends didChange + didSave, as an editor's save does. */
function saveAs(uri: string, path: string, text: string): number {
  writeFileSync(path, text);
  const v = lsp.client.change(uri, text);
  lsp.client.save(uri);
  return v;
}

describe('diagnostics', () => {
  it('reports a clang error on the identifier with code, doc link, related note and fix-it data', async () => {
    const path = tempFile('typo.bpf.c', TYPO);
    const uri = lsp.client.open(path);
    const pub = await lsp.client.diagnosticsFor(uri, 1);
    expect(pub.diagnostics).toHaveLength(1);
    const d = pub.diagnostics[0]!;
    expect(d.source).toBe('xdp');
    expect(d.code).toBe('clang/error');
    expect(d.severity).toBe(1);
    expect(d.message).toContain("use of undeclared identifier 'XDP_PAS'");
    // `\treturn XDP_PAS;` is line 8 (1-based): 0-based line 7, the tab is one column, so XDP_PAS spans 8..15.
    expect(d.range).toEqual({ start: { line: 7, character: 8 }, end: { line: 7, character: 15 } });
    expect(d.codeDescription?.href).toBe(codeDocUrl('clang/error'));
    expect(d.relatedInformation?.[0]?.message).toContain("'XDP_PASS' declared here");
    expect(d.relatedInformation?.[0]?.location.uri).toMatch(/^file:\/\/\/usr\/include\/linux\/bpf\.h$/);
    expect(d.data).toMatchObject({ uri, version: 1 });
    lsp.client.close(uri);
  });

  it('publishes an empty list for a program that compiles cleanly', async () => {
    const path = tempFile('ok.bpf.c', HELPERS);
    const uri = lsp.client.open(path);
    const pub = await lsp.client.diagnosticsFor(uri, 1);
    expect(problems(pub.diagnostics)).toEqual([]);
    // Without a selected driver the analyses say once, as information, that portability was not checked.
    expect(pub.diagnostics.map((d) => [d.code, d.severity])).toEqual([['xdp/portability-unchecked', 3]]);
    lsp.client.close(uri);
  });

  it('ignores C files without an XDP program', async () => {
    const path = tempFile('plain.c', 'int main(void) { return undeclared; }\n');
    const uri = lsp.client.open(path);
    const marker = tempFile('typo.bpf.c', TYPO);
    const muri = lsp.client.open(marker);
    await lsp.client.diagnosticsFor(muri, 1);
    // The XDP file opened after it was answered; the plain C file never was.
    expect(lsp.client.published.some((p) => p.uri === uri && p.diagnostics.length > 0)).toBe(false);
    lsp.client.close(uri);
    lsp.client.close(muri);
  });
});

describe('hover', () => {
  it('explains a finding under the cursor', async () => {
    const path = tempFile('typo.bpf.c', TYPO);
    const uri = lsp.client.open(path);
    await lsp.client.diagnosticsFor(uri, 1);
    const h = await lsp.client.hover(uri, 7, 10);
    const md = (h?.contents as { value: string }).value;
    expect(md).toContain('**clang/error**');
    expect(md).toContain("use of undeclared identifier 'XDP\\_PAS'");
    expect(md).toContain('clang reported an error');
    lsp.client.close(uri);
  });

  it('shows a helper prototype, whether it invalidates packet pointers, and XDP action values', async () => {
    const path = tempFile('helpers.bpf.c', HELPERS);
    const uri = lsp.client.open(path);
    await lsp.client.diagnosticsFor(uri, 1);
    const lines = HELPERS.split('\n');
    const l = lines.findIndex((s) => s.includes('bpf_xdp_adjust_head'));
    const h1 = await lsp.client.hover(uri, l, lines[l]!.indexOf('adjust_head'));
    const md1 = (h1?.contents as { value: string }).value;
    expect(md1).toContain('**helper bpf_xdp_adjust_head** (id 44)');
    expect(md1).toContain('Invalidates packet pointers');
    const r = lines.findIndex((s) => s.includes('bpf_redirect'));
    const h2 = await lsp.client.hover(uri, r, lines[r]!.indexOf('bpf_redirect') + 2);
    expect((h2?.contents as { value: string }).value).toContain('Does not invalidate packet pointers');
    const a = lines.findIndex((s) => s.includes('XDP_ABORTED'));
    const h3 = await lsp.client.hover(uri, a, lines[a]!.indexOf('XDP_ABORTED') + 3);
    expect((h3?.contents as { value: string }).value).toContain('**XDP_ABORTED** = 0');
    expect(await lsp.client.hover(uri, 0, 0)).toBeNull();
    lsp.client.close(uri);
  });
});

describe('code actions', () => {
  it("turns clang's fix-it into a quick-fix whose edit makes the file compile clean", async () => {
    const path = tempFile('typo.bpf.c', TYPO);
    const uri = lsp.client.open(path);
    const pub = await lsp.client.diagnosticsFor(uri, 1);
    const actions = (await lsp.client.codeActions(uri, pub.diagnostics)) ?? [];
    expect(actions).toHaveLength(1);
    expect(actions[0]!.kind).toBe('quickfix');
    expect(actions[0]!.isPreferred).toBe(true);
    const fixed = applyEdit(TYPO, actions[0]!.edit, uri);
    expect(fixed).toContain('return XDP_PASS;');
    const since = lsp.client.published.length;
    const v = saveAs(uri, path, fixed);
    const after = await lsp.client.diagnosticsFor(uri, v, since);
    expect(problems(after.diagnostics)).toEqual([]);
    lsp.client.close(uri);
  });

  it('drops a fix computed for an older document version', async () => {
    const path = tempFile('typo.bpf.c', TYPO);
    const uri = lsp.client.open(path);
    const pub = await lsp.client.diagnosticsFor(uri, 1);
    lsp.client.change(uri, '// an edit moves every line down\n' + TYPO);
    const actions = await lsp.client.codeActions(uri, pub.diagnostics);
    expect(actions).toEqual([]);
    lsp.client.close(uri);
  });

  it('drops a fix whose data names another document', async () => {
    const path = tempFile('typo.bpf.c', TYPO);
    const uri = lsp.client.open(path);
    const pub = await lsp.client.diagnosticsFor(uri, 1);
    const forged: Diagnostic[] = pub.diagnostics.map((d) => ({ ...d, data: { ...(d.data as object), uri: 'file:///elsewhere.c' } }));
    expect(await lsp.client.codeActions(uri, forged)).toEqual([]);
    lsp.client.close(uri);
  });
});

describe('scheduling: latest wins, cancellation, time budget, crashes', () => {
  it('a new save cancels the running analysis and only the new result is published', async () => {
    const slow = `// xdp-lens-test-hook: spin 20000\n${TYPO}`;
    const path = tempFile('slow.bpf.c', slow);
    const t0 = performance.now();
    const uri = lsp.client.open(path);
    await lsp.client.until('analysis start', () => lsp.client.statuses.find((s) => s.uri === uri && s.state === 'analyzing'));
    const v = saveAs(uri, path, TYPO.replace('XDP_PAS;', 'XDP_PASS;'));
    const pub = await lsp.client.diagnosticsFor(uri, v);
    expect(problems(pub.diagnostics)).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(lsp.client.statuses.some((s) => s.uri === uri && s.version === 1 && s.state === 'cancelled')).toBe(false);
    expect(lsp.client.published.filter((p) => p.uri === uri).map((p) => p.version)).toEqual([v]);
    // the ok status says how the time split between clang and the analysis
    const ok = lsp.client.statuses.find((s) => s.uri === uri && s.version === v && s.state === 'ok')!;
    expect(ok.compileMs).toBeGreaterThan(0);
    expect(ok.analyzeMs).toBeGreaterThanOrEqual(0);
    expect(ok.compileMs! + ok.analyzeMs!).toBeLessThanOrEqual(ok.ms! + 1);
    lsp.client.close(uri);
  });

  it('a stuck analysis becomes one "analysis stopped after N ms" diagnostic and the server keeps answering', async () => {
    lsp.client.settings = { timeBudgetMs: 1500 };
    try {
      const path = tempFile('stuck.bpf.c', `// xdp-lens-test-hook: hang\n${TYPO}`);
      const spawned = lsp.server.host.stats.spawned;
      const uri = lsp.client.open(path);
      const pub = await lsp.client.diagnosticsFor(uri, 1);
      expect(pub.diagnostics).toHaveLength(1);
      expect(pub.diagnostics[0]!.code).toBe('analysis/timeout');
      expect(pub.diagnostics[0]!.message).toMatch(/^analysis stopped after 1500 ms/);
      // Hover still answers while nothing finished, and the respawned worker analyses the next save.
      expect(await lsp.client.hover(uri, 0, 0)).toBeDefined();
      lsp.client.settings = {};
      const v = saveAs(uri, path, TYPO);
      const next = await lsp.client.diagnosticsFor(uri, v);
      expect(next.diagnostics.map((d) => d.code)).toEqual(['clang/error']);
      expect(lsp.server.host.stats.spawned).toBeGreaterThan(spawned);
      lsp.client.close(uri);
    } finally {
      lsp.client.settings = {};
    }
  });

  it('a crashed worker becomes an analysis/failed diagnostic and the next analysis works', async () => {
    const path = tempFile('crash.bpf.c', `// xdp-lens-test-hook: crash\n${TYPO}`);
    const uri = lsp.client.open(path);
    const pub = await lsp.client.diagnosticsFor(uri, 1);
    expect(pub.diagnostics.map((d) => d.code)).toEqual(['analysis/failed']);
    expect(pub.diagnostics[0]!.message).toContain('xdp-lens-test-hook: crash');
    const v = saveAs(uri, path, TYPO);
    const next = await lsp.client.diagnosticsFor(uri, v);
    expect(next.diagnostics.map((d) => d.code)).toEqual(['clang/error']);
    lsp.client.close(uri);
  });

  it('100 saves in 10 seconds end with only the last result', async () => {
    // Version i has the typo i lines further down, so the published line says which version it came from.
    // Each analysis takes at least 300 ms (a cooperative test hook), longer than the gap between
    // saves, so superseded saves must be cancelled rather than published.
    const textFor = (i: number): string => `${'\n'.repeat(i)}${TYPO}\n// xdp-lens-test-hook: spin 300\n`;
    const path = tempFile('many.bpf.c', textFor(0));
    const uri = lsp.client.open(path);
    await lsp.client.diagnosticsFor(uri, 1);
    const since = lsp.client.published.length;
    const startedBefore = lsp.server.host.stats.started;
    let last = 0;
    for (let i = 1; i <= 100; i++) {
      last = saveAs(uri, path, textFor(i));
      await new Promise((r) => setTimeout(r, 100));
    }
    const final = await lsp.client.diagnosticsFor(uri, last, since);
    expect(final.diagnostics).toHaveLength(1);
    expect(final.diagnostics[0]!.range.start.line).toBe(7 + 100);
    await new Promise((r) => setTimeout(r, 1000));
    const mine = lsp.client.published.slice(since).filter((p) => p.uri === uri);
    // Nothing after the last result, versions only ever increase, and superseded saves never ran to the end.
    expect(mine[mine.length - 1]!.version).toBe(last);
    const versions = mine.map((p) => p.version!);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(mine.length).toBeLessThan(100);
    expect(lsp.server.host.stats.started - startedBefore).toBeLessThanOrEqual(100);
    lsp.client.close(uri);
  }, 60_000);
});

describe('settings', () => {
  it('verifyOn "change" analyses unsaved text after a pause in typing', async () => {
    lsp.client.settings = { verifyOn: 'change' };
    try {
      const path = tempFile('live.bpf.c', HELPERS);
      const uri = lsp.client.open(path);
      await lsp.client.diagnosticsFor(uri, 1);
      const v = lsp.client.change(uri, HELPERS.replace('XDP_ABORTED', 'XDP_ABORTD'));
      const pub = await lsp.client.diagnosticsFor(uri, v);
      expect(pub.diagnostics.map((d) => d.code)).toEqual(['clang/error']);
      expect(pub.diagnostics[0]!.message).toContain("'XDP_ABORTD'");
      lsp.client.close(uri);
    } finally {
      lsp.client.settings = {};
    }
  });

  it('verifyOn "save" (the default) does not analyse unsaved edits', async () => {
    const path = tempFile('nolive.bpf.c', HELPERS);
    const uri = lsp.client.open(path);
    await lsp.client.diagnosticsFor(uri, 1);
    const since = lsp.client.published.length;
    lsp.client.change(uri, HELPERS.replace('XDP_ABORTED', 'XDP_ABORTD'));
    await new Promise((r) => setTimeout(r, 1500));
    expect(lsp.client.published.slice(since).filter((p) => p.uri === uri)).toEqual([]);
    lsp.client.close(uri);
  });

  it('a configuration change re-analyses open documents with the new settings (read per resource)', async () => {
    const path = tempFile('typo.bpf.c', TYPO);
    const uri = lsp.client.open(path);
    const first = await lsp.client.diagnosticsFor(uri, 1);
    expect(first.diagnostics.map((d) => d.code)).toEqual(['clang/error']);
    try {
      lsp.client.settings = { clang: { args: ['-DXDP_PAS=XDP_PASS'] } };
      const since = lsp.client.published.length;
      await lsp.client.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
      const again = await lsp.client.diagnosticsFor(uri, 1, since);
      expect(problems(again.diagnostics)).toEqual([]);
    } finally {
      lsp.client.settings = {};
      lsp.client.close(uri);
    }
  });

  it('a save starts with the document\'s last settings while the client answers, and a changed answer replaces that job', async () => {
    const path = tempFile('typo.bpf.c', TYPO);
    const uri = lsp.client.open(path);
    expect((await lsp.client.diagnosticsFor(uri, 1)).diagnostics.map((d) => d.code)).toEqual(['clang/error']);
    try {
      // settings unchanged: one job per save
      let started = lsp.server.host.stats.started;
      let v = saveAs(uri, path, TYPO);
      expect((await lsp.client.diagnosticsFor(uri, v)).diagnostics.map((d) => d.code)).toEqual(['clang/error']);
      expect(lsp.server.host.stats.started - started).toBe(1);
      // a client that changed a setting without telling (no didChangeConfiguration): the answer
      // to this save's request differs, so the job started with the old settings is replaced
      lsp.client.settings = { clang: { args: ['-DXDP_PAS=XDP_PASS'] } };
      started = lsp.server.host.stats.started;
      const cancelled = lsp.server.host.stats.cancelled;
      v = saveAs(uri, path, TYPO);
      const pub = await lsp.client.diagnosticsFor(uri, v);
      expect(problems(pub.diagnostics)).toEqual([]);
      expect(lsp.server.host.stats.started - started).toBeLessThanOrEqual(2);
      expect(lsp.server.host.stats.cancelled - cancelled).toBe(1);
      expect(lsp.client.published.filter((p) => p.uri === uri && p.version === v)).toHaveLength(1);
    } finally {
      lsp.client.settings = {};
      lsp.client.close(uri);
    }
  });

  it('clang.args reach the compile', async () => {
    lsp.client.settings = { clang: { args: ['-DXDP_PAS=XDP_PASS'] } };
    try {
      const path = tempFile('typo.bpf.c', TYPO);
      const uri = lsp.client.open(path);
      const pub = await lsp.client.diagnosticsFor(uri, 1);
      expect(problems(pub.diagnostics)).toEqual([]);
      lsp.client.close(uri);
    } finally {
      lsp.client.settings = {};
    }
  });
});

describe('commands', () => {
  it('selects a driver for the session by id or alias, and refuses an unknown one', async () => {
    const ids = (await lsp.client.executeCommand(ServerCommands.listDrivers)) as string[];
    expect(ids).toContain('generic');
    expect(ids).toContain('mlx5_core');
    expect(await lsp.client.executeCommand(ServerCommands.selectDriver, ['generic'])).toBe('generic');
    expect(await lsp.client.executeCommand(ServerCommands.selectDriver, ['mlx5'])).toBe('mlx5_core');
    await expect(lsp.client.executeCommand(ServerCommands.selectDriver, ['no-such-nic'])).rejects.toThrow(/unknown driver 'no-such-nic'/);
    expect(await lsp.client.executeCommand(ServerCommands.selectDriver, [null])).toBeNull();
  });

  it('lists the kernels worth targeting, newest first, with the longterm ones and what each brought', async () => {
    const kernels = (await lsp.client.executeCommand(ServerCommands.listKernels)) as { version: string; longterm: boolean; adds: string[] }[];
    const at = (v: string) => kernels.find((k) => k.version === v);
    expect(kernels[0]!.version).toBe('6.18');
    expect(at('6.1')).toMatchObject({ longterm: true });
    expect(at('6.11')).toMatchObject({ longterm: false });
    expect(at('6.11')!.adds).toContain('bpf_xdp_flow_lookup');
    expect(at('4.10')!.adds).toContain('bpf_xdp_adjust_head');
    // helpers older than XDP reach XDP programs with XDP itself
    expect(at('4.8')!.adds).toEqual(expect.arrayContaining(['xdp', 'bpf_map_lookup_elem', 'bpf_tail_call']));
    expect(kernels.some((k) => k.version === '3.19')).toBe(false);
    await expect(lsp.client.executeCommand(ServerCommands.selectKernel, [at('5.15')!.version])).resolves.toBe('5.15');
    await expect(lsp.client.executeCommand(ServerCommands.selectKernel, [null])).resolves.toBeNull();
  });

  it('returns the annotated disassembly of the last compiled object', async () => {
    const path = tempFile('helpers.bpf.c', HELPERS);
    const uri = lsp.client.open(path);
    await lsp.client.diagnosticsFor(uri, 1);
    const text = (await lsp.client.executeCommand(ServerCommands.disassembly, [uri])) as string;
    expect(text).toContain('xdp_push (section xdp');
    expect(text).toMatch(/call 44 +\/\/ bpf_xdp_adjust_head|call 44 \/\/ bpf_xdp_adjust_head/);
    expect(text).toContain('return bpf_redirect(1, 0);');
    expect(text).toMatch(/\bexit\b/);
    lsp.client.close(uri);
  });

  it('refuses the disassembly of a document that never compiled', async () => {
    const path = tempFile('typo.bpf.c', TYPO);
    const uri = lsp.client.open(path);
    await lsp.client.diagnosticsFor(uri, 1);
    await expect(lsp.client.executeCommand(ServerCommands.disassembly, [uri])).rejects.toThrow(/no compiled object yet/);
    lsp.client.close(uri);
  });

  it('without an argument, asks the client to pick a driver (window/showMessageRequest)', async () => {
    let offered: string[] = [];
    lsp.client.pick = (titles) => {
      offered = titles;
      return 'i40e';
    };
    try {
      expect(await lsp.client.executeCommand(ServerCommands.selectDriver)).toBe('i40e');
      expect(offered[0]).toMatch(/^\(none/);
      expect(offered).toContain('mlx5_core');
      lsp.client.pick = () => undefined;
      expect(await lsp.client.executeCommand(ServerCommands.selectDriver)).toBeNull();
    } finally {
      lsp.client.pick = undefined;
      await lsp.client.executeCommand(ServerCommands.selectDriver, [null]);
    }
  });

  it('refuses a malformed kernel version', async () => {
    await expect(lsp.client.executeCommand(ServerCommands.selectKernel, ['six'])).rejects.toThrow(/kernel must look like/);
  });
});
