// The packaged .vsix in real VS Code (code-server's workbench in headless Chromium), following
// ../shared/recipes/real-editors.md. Heavy set-up, so it runs only with E2E_VSCODE=1 and
// E2E_VSCODE_DIR pointing at a directory where the recipe installed node@24, code-server and
// playwright-core; skipped otherwise (reason in the test name). Screenshots of the squiggle, the
// hover and the quick-fix menu go to docs/screenshots/. A second case starts code-server with
// workspace trust enabled and the workspace not trusted (restricted mode): no compilation, no
// diagnostics, and the extension's notice in the status bar (docs/screenshots/restricted.png).
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
  click(): Promise<void>;
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

let currentPage: Page | undefined;

const servers: ChildProcess[] = [];
let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  for (const server of servers) {
    if (!server.pid) continue;
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
});

interface Installed {
  readonly env: NodeJS.ProcessEnv;
  readonly cs: string;
  readonly dataDir: string;
  readonly extDir: string;
}
let installed: Promise<Installed> | undefined;

/** Packages the .vsix and installs it into a fresh extensions directory (once per run). */
function install(): Promise<Installed> {
  installed ??= (async () => {
    const node24 = join(DIR, 'node_modules', 'node', 'bin');
    const env = { ...process.env, PATH: `${node24}:${process.env.PATH}` };
    const pack = spawnSync('npm', ['run', 'package'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(pack.status, pack.stderr).toBe(0);
    const vsix = readdirSync(ROOT).filter((f) => f.endsWith('.vsix')).sort().at(-1)!;
    const dataDir = mkdtempSync(join(tmpdir(), 'xdp-cs-'));
    const cs = join(DIR, 'node_modules', '.bin', 'code-server');
    const extDir = join(dataDir, 'ext');
    const inst = spawnSync(cs, ['--user-data-dir', join(dataDir, 'user'), '--extensions-dir', extDir, '--install-extension', join(ROOT, vsix)], { env, encoding: 'utf8' });
    expect(inst.status, inst.stderr + inst.stdout).toBe(0);
    return { env, cs, dataDir, extDir };
  })();
  return installed;
}

async function getBrowser(): Promise<Browser> {
  if (browser) return browser;
  const pw = createRequire(join(DIR, 'package.json'))('playwright-core') as { chromium: { launch(o: object): Promise<Browser> } };
  browser = await pw.chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return browser;
}

/** Opens the workbench on `ws` served at `port`; waits until it is ready for input. */
async function openWorkbench(port: number, ws: string): Promise<Page> {
  const page = await (await getBrowser()).newPage({ viewport: { width: 1280, height: 800 } });
  currentPage = page;
  await until('code-server', async () => {
    try {
      await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}`, { timeout: 5000 });
      return true;
    } catch {
      return false;
    }
  }, 60_000);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.waitForTimeout(4000);
  return page;
}


async function openFromExplorer(page: Page, name: string): Promise<void> {
  const row = page.locator(`.explorer-folders-view .monaco-list-row >> text=${name}`).first();
  await row.waitFor({ timeout: 30_000 });
  await row.click();
  await until(`${name} in the editor`, async () => (await page.locator(`.tab.active >> text=${name}`).count()) > 0, 20_000);
  await page.locator('.monaco-editor .view-lines').first().click();
  await page.waitForTimeout(500);
}

/** Waits for a condition; on timeout keeps a screenshot of the workbench (path in the error). */
async function until(what: string, pred: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  const shot = join(tmpdir(), `xdp-e2e-failure-${Date.now()}.png`);
  await currentPage?.screenshot({ path: shot }).catch(() => undefined);
  throw new Error(`timed out waiting for ${what} (screenshot: ${shot})`);
}

describe('VS Code (code-server) with the packaged extension', () => {
  it.skipIf(!enabled)('squiggle -> hover -> quick-fix -> clean (skipped unless E2E_VSCODE=1 and E2E_VSCODE_DIR has the recipe installed)', async () => {
    const { env, cs, dataDir, extDir } = await install();
    const common = ['--user-data-dir', join(dataDir, 'user'), '--extensions-dir', extDir];
    const ws = join(dataDir, 'ws');
    mkdirSync(ws);
    writeFileSync(join(ws, 'typo.bpf.c'), readFileSync(join(ROOT, 'test', 'lsp', 'fixtures', 'typo.bpf.c')));
    writeFileSync(join(ws, 'xdp_verifier_reject.c'), readFileSync(join(ROOT, 'examples', 'xdp_verifier_reject.c')));
    servers.push(
      spawn(cs, [...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${PORT}`, '--disable-workspace-trust', '--disable-telemetry', '--disable-update-check', ws], {
        env,
        detached: true,
        stdio: 'ignore',
      }),
    );
    const page = await openWorkbench(PORT, ws);
    // Open through the Explorer: a focused chat input would swallow Ctrl+P.
    await openFromExplorer(page, 'typo.bpf.c');
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

    // A verifier rejection: the bpf/pkt-bounds squiggle, its hover, and the AST-built bounds check.
    await openFromExplorer(page, 'xdp_verifier_reject.c');
    await until('the bpf/pkt-bounds squiggle', async () => (await squiggle.count()) > 0, 90_000);
    const box2 = await squiggle.first().boundingBox();
    await page.mouse.move(box2!.x + box2!.width / 2, box2!.y + box2!.height / 2);
    await until('the pkt-bounds hover', async () => (await hover.count()) > 0 && (await hover.first().innerText()).includes('bpf/pkt-bounds'), 20_000);
    await page.screenshot({ path: join(SHOTS, 'hover-pkt-bounds.png') });
    await page.keyboard.press('Escape');
    await page.mouse.click(box2!.x + box2!.width / 2, box2!.y + box2!.height / 2);
    await page.keyboard.press('Control+.');
    await until('the bounds-check quick-fix', async () => (await menu.count()) > 0 && (await menu.first().innerText()).includes('Check the packet bounds'), 20_000);
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(SHOTS, 'quickfix-pkt-bounds.png') });
    await page.keyboard.press('Enter');
    await page.waitForTimeout(500);
    await page.keyboard.press('Control+S');
    await until('the file to verify clean', async () => (await squiggle.count()) === 0, 60_000);
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(SHOTS, 'fixed-pkt-bounds.png') });
    expect(readFileSync(join(ws, 'xdp_verifier_reject.c'), 'utf8')).toContain('if ((void *)(ip + 1) > data_end)');
  }, 600_000);
  it.skipIf(!enabled)('restricted mode: an untrusted workspace gets no compilation, no diagnostics, and the notice (skipped unless E2E_VSCODE=1 and E2E_VSCODE_DIR has the recipe installed)', async () => {
    const { env, cs, dataDir, extDir } = await install();
    // Its own user data: workspace trust is enabled (no --disable-workspace-trust) and nothing is
    // trusted yet; the start-up prompt is off, so the folder opens in restricted mode.
    const user = join(dataDir, 'user-untrusted');
    mkdirSync(join(user, 'User'), { recursive: true });
    writeFileSync(
      join(user, 'User', 'settings.json'),
      JSON.stringify({ 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'always' }),
    );
    const ws = join(dataDir, 'ws-untrusted');
    mkdirSync(ws);
    // The same verifier rejection the trusted case shows as a bpf/pkt-bounds squiggle.
    writeFileSync(join(ws, 'xdp_verifier_reject.c'), readFileSync(join(ROOT, 'examples', 'xdp_verifier_reject.c')));
    const port = PORT + 1;
    servers.push(
      spawn(cs, ['--user-data-dir', user, '--extensions-dir', extDir, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', ws], {
        env,
        detached: true,
        stdio: 'ignore',
      }),
    );
    const page = await openWorkbench(port, ws);
    await until("VS Code's restricted mode", async () => (await page.locator('.statusbar >> text=Restricted Mode').count()) > 0, 30_000);

    await openFromExplorer(page, 'xdp_verifier_reject.c');
    await page.keyboard.press('Control+S');
    const notice = page.locator('.statusbar >> text=XDP: restricted');
    await until("the extension's restricted-mode notice in the status bar", async () => (await notice.count()) > 0, 60_000);

    // No compilation: the trusted case shows the bpf/pkt-bounds squiggle for this file within
    // seconds; here none may appear, and the Problems count stays at zero.
    await page.waitForTimeout(20_000);
    expect(await page.locator('.squiggly-error').count()).toBe(0);
    expect(await page.locator('.squiggly-warning').count()).toBe(0);
    const problems = page.locator('.statusbar-item[id="status.problems"]');
    if ((await problems.count()) > 0) expect((await problems.first().innerText()).replace(/\s+/g, ' ').trim()).toMatch(/^0 0( 0)?$/);

    // The notice's tooltip says why and how to enable it.
    const nb = await notice.first().boundingBox();
    expect(nb).not.toBeNull();
    await page.mouse.move(nb!.x + nb!.width / 2, nb!.y + nb!.height / 2);
    const tooltip = page.locator('text=XDP Lens does not compile files in an untrusted workspace');
    await until('the notice tooltip', async () => (await tooltip.count()) > 0, 15_000);
    await page.waitForTimeout(300);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'restricted.png') });
  }, 600_000);
});
