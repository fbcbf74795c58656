// The packaged .vsix in real VS Code (code-server's workbench in headless Chromium), following
// ../shared/recipes/real-editors.md. Heavy set-up, so it runs only with E2E_VSCODE=1 and
// E2E_VSCODE_DIR pointing at a directory where the recipe installed node@24, code-server and
// playwright-core; skipped otherwise (reason in the test name). Screenshots of the squiggle, the
// hover and the quick-fix menu go to docs/screenshots/.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const DIR = process.env.E2E_VSCODE_DIR ?? '';
const enabled = process.env.E2E_VSCODE === '1' && DIR !== '' && existsSync(join(DIR, 'node_modules', '.bin', 'code-server'));
const SHOTS = join(ROOT, 'docs', 'screenshots');
const PORT = 18080 + (process.pid % 1000);

// Minimal shapes of the playwright-core API used here (the package lives in E2E_VSCODE_DIR).
interface Locator {
  count(): Promise<number>;
  first(): Locator;
  boundingBox(): Promise<{ x: number; y: number; width: number; height: number } | null>;
  innerText(): Promise<string>;
  waitFor(o: { state?: string; timeout?: number }): Promise<void>;
}
interface Page {
  goto(url: string, o?: { timeout?: number }): Promise<unknown>;
  locator(sel: string): Locator;
  keyboard: { press(k: string): Promise<void>; type(t: string, o?: { delay?: number }): Promise<void> };
  mouse: { move(x: number, y: number): Promise<void>; click(x: number, y: number): Promise<void> };
  screenshot(o: { path: string }): Promise<unknown>;
  waitForTimeout(ms: number): Promise<void>;
}
interface Browser {
  newPage(o?: { viewport?: { width: number; height: number } }): Promise<Page>;
  close(): Promise<void>;
}

let server: ChildProcess | undefined;
let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  if (server?.pid) {
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
});

async function until(what: string, pred: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('VS Code (code-server) with the packaged extension', () => {
  it.skipIf(!enabled)('squiggle -> hover -> quick-fix -> clean (skipped unless E2E_VSCODE=1 and E2E_VSCODE_DIR has the recipe installed)', async () => {
    const node24 = join(DIR, 'node_modules', 'node', 'bin');
    const env = { ...process.env, PATH: `${node24}:${process.env.PATH}` };
    const pack = spawnSync('npm', ['run', 'package'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(pack.status, pack.stderr).toBe(0);
    const vsix = readdirSync(ROOT).filter((f) => f.endsWith('.vsix')).sort().at(-1)!;
    const dataDir = mkdtempSync(join(tmpdir(), 'xdp-cs-'));
    const cs = join(DIR, 'node_modules', '.bin', 'code-server');
    const common = ['--user-data-dir', join(dataDir, 'user'), '--extensions-dir', join(dataDir, 'ext')];
    const inst = spawnSync(cs, [...common, '--install-extension', join(ROOT, vsix)], { env, encoding: 'utf8' });
    expect(inst.status, inst.stderr + inst.stdout).toBe(0);

    const ws = join(dataDir, 'ws');
    mkdirSync(ws);
    writeFileSync(join(ws, 'typo.bpf.c'), readFileSync(join(ROOT, 'test', 'lsp', 'fixtures', 'typo.bpf.c')));
    server = spawn(cs, [...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${PORT}`, '--disable-workspace-trust', '--disable-telemetry', '--disable-update-check', ws], {
      env,
      detached: true,
      stdio: 'ignore',
    });

    const pw = createRequire(join(DIR, 'package.json'))('playwright-core') as { chromium: { launch(o: object): Promise<Browser> } };
    browser = await pw.chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await until('code-server', async () => {
      try {
        await page.goto(`http://127.0.0.1:${PORT}/?folder=${encodeURIComponent(ws)}`, { timeout: 5000 });
        return true;
      } catch {
        return false;
      }
    }, 60_000);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.waitForTimeout(4000);
    await page.keyboard.press('Control+P');
    await page.keyboard.type('typo.bpf.c', { delay: 30 });
    await page.waitForTimeout(800);
    await page.keyboard.press('Enter');
    await page.waitForTimeout(1500);
    await page.keyboard.press('Control+S');

    mkdirSync(SHOTS, { recursive: true });
    const squiggle = page.locator('.squiggly-error');
    await until('the squiggle', async () => (await squiggle.count()) > 0, 90_000);
    await page.screenshot({ path: join(SHOTS, 'squiggle.png') });

    const box = await squiggle.first().boundingBox();
    expect(box).not.toBeNull();
    await page.mouse.move(box!.x + box!.width / 2, box!.y + box!.height / 2);
    const hover = page.locator('.monaco-hover');
    await until('the hover', async () => (await hover.count()) > 0 && (await hover.first().innerText()).includes('clang/error'), 20_000);
    await page.screenshot({ path: join(SHOTS, 'hover.png') });

    await page.keyboard.press('Escape');
    // Put the cursor on the squiggle, then ask for the quick-fixes there.
    await page.mouse.click(box!.x + box!.width / 2, box!.y + box!.height / 2);
    await page.keyboard.press('Control+.');
    const menu = page.locator('.action-widget, .context-view .monaco-list');
    await until('the quick-fix menu', async () => (await menu.count()) > 0, 20_000);
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(SHOTS, 'quickfix.png') });
    await page.keyboard.press('Enter');
    await page.waitForTimeout(500);
    await page.keyboard.press('Control+S');
    await until('the squiggle to go away', async () => (await squiggle.count()) === 0, 60_000);
    expect(readFileSync(join(ws, 'typo.bpf.c'), 'utf8')).toContain('return XDP_PASS;');
  }, 600_000);
});
