// Runs the language server in this process over a pair of pipes, with the real worker bundle
// (test hooks enabled in the worker only), and a test client on the other end.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { startServer, type RunningServer } from '../../../server/src/lsp/server';
import { buildServer, WORKER } from './buildServer';
import { LspTestClient } from './lspClient';

export interface InProcess {
  readonly client: LspTestClient;
  readonly server: RunningServer;
  stop(): Promise<void>;
}

export async function startInProcess(): Promise<InProcess> {
  await buildServer();
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const connection = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  const server = startServer(connection, { workerPath: WORKER, workerEnv: { ...process.env, XDP_LENS_TEST_HOOKS: '1' } });
  const client = new LspTestClient(toClient, toServer);
  return {
    client,
    server,
    async stop() {
      // No `exit` notification: in-process it would end the test runner.
      await client.conn.sendRequest('shutdown');
      client.conn.dispose();
      connection.dispose();
    },
  };
}

/** A fresh directory holding `name` with `text`; returns the file's path. */
export function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'xdp-lsp-'));
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
