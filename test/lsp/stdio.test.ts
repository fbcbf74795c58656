// The bundled server (server/out/main.js) spawned over stdio, as any editor starts it: plain
// LSP, a client without workspace/configuration (settings from initializationOptions), and a
// clean exit on shutdown + exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, SERVER_MAIN } from './support/buildServer';
import { tempFile } from './support/inProcess';
import { LspTestClient, applyEdit } from './support/lspClient';

const TYPO = readFileSync(join(__dirname, 'fixtures', 'typo.bpf.c'), 'utf8');

let child: ChildProcess;
let client: LspTestClient;
let stderr = '';

beforeAll(async () => {
  await buildServer();
  child = spawn(process.execPath, [SERVER_MAIN, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, XDP_LENS_TEST_HOOKS: '1' } });
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  client = new LspTestClient(child.stdout!, child.stdin!);
});

afterAll(() => {
  if (child.exitCode === null) child.kill();
});

describe('xdp-language-server --stdio', () => {
  it('initializes with the capabilities it implements', async () => {
    const r = await client.initialize({ configuration: false, initSettings: { timeBudgetMs: 2000 } });
    expect(r.serverInfo?.name).toBe('xdp-language-server');
    expect(r.capabilities.hoverProvider).toBe(true);
    expect(r.capabilities.codeActionProvider).toEqual({ codeActionKinds: ['quickfix'] });
    expect(r.capabilities.executeCommandProvider?.commands).toContain('xdp.server.selectDriver');
  });

  it('publishes a clang error, hovers it, and its fix-it makes the file clean', async () => {
    const path = tempFile('typo.bpf.c', TYPO);
    const uri = client.open(path);
    const pub = await client.diagnosticsFor(uri, 1);
    expect(pub.diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character])).toEqual([['clang/error', 7, 8]]);
    const h = await client.hover(uri, 7, 9);
    expect((h?.contents as { value: string }).value).toContain('**clang/error**');
    const [action] = (await client.codeActions(uri, pub.diagnostics)) ?? [];
    const fixed = applyEdit(TYPO, action?.edit, uri);
    writeFileSync(path, fixed);
    const v = client.change(uri, fixed);
    client.save(uri);
    expect((await client.diagnosticsFor(uri, v)).diagnostics.filter((d) => d.severity === 1 || d.severity === 2)).toEqual([]);
  });

  it('takes settings from initializationOptions when the client cannot answer workspace/configuration', async () => {
    const path = tempFile('stuck.bpf.c', `// xdp-lens-test-hook: hang\n${TYPO}`);
    const uri = client.open(path);
    const pub = await client.diagnosticsFor(uri, 1);
    expect(pub.diagnostics.map((d) => d.message)).toEqual([expect.stringMatching(/^analysis stopped after 2000 ms/)]);
    client.close(uri);
  });

  it('exits with status 0 after shutdown and exit', async () => {
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await client.shutdown();
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });
});
