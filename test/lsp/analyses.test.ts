// The analyses as the editor shows them: each example's finding on its C line with its code,
// hover text from the finding's data, and a quick-fix whose edit makes the file verify clean
// (checked by the same server re-analysing the fixed file).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { ServerCommands } from '../../server/src/lsp/protocol';
import { startInProcess, tempFile, type InProcess } from './support/inProcess';
import { applyEdit } from './support/lspClient';

const EXAMPLES = join(__dirname, '..', '..', 'examples');

let lsp: InProcess;
beforeAll(async () => {
  lsp = await startInProcess();
  await lsp.client.initialize();
});
afterAll(async () => {
  await lsp?.stop();
});

async function openExample(name: string): Promise<{ uri: string; path: string; text: string; diags: Diagnostic[] }> {
  const text = readFileSync(join(EXAMPLES, name), 'utf8');
  const path = tempFile(name, text);
  const uri = lsp.client.open(path);
  const pub = await lsp.client.diagnosticsFor(uri, 1);
  return { uri, path, text, diags: pub.diagnostics };
}

function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`${needle} not in text`);
  return i;
}

/** Applies the first quick-fix of `diag`, saves, and returns the diagnostics of the fixed file. */
async function applyFixAndSave(f: { uri: string; path: string; text: string }, diag: Diagnostic, title?: RegExp): Promise<{ fixed: string; after: Diagnostic[] }> {
  const actions = (await lsp.client.codeActions(f.uri, [diag])) ?? [];
  const action = title ? actions.find((a) => title.test(a.title)) : actions[0];
  expect(action, `quick-fixes: ${actions.map((a) => a.title).join(' | ')}`).toBeDefined();
  const fixed = applyEdit(f.text, action!.edit, f.uri);
  writeFileSync(f.path, fixed);
  const since = lsp.client.published.length;
  const v = lsp.client.change(f.uri, fixed);
  lsp.client.save(f.uri);
  const pub = await lsp.client.diagnosticsFor(f.uri, v, since);
  return { fixed, after: pub.diagnostics };
}

describe('verifier rejection: bpf/pkt-bounds', () => {
  it('is reported on the line that reads past the proven range, and the bounds-check fix verifies clean', async () => {
    const f = await openExample('xdp_verifier_reject.c');
    const d = f.diags.find((x) => x.code === 'bpf/pkt-bounds');
    expect(d, JSON.stringify(f.diags.map((x) => [x.code, x.message]))).toBeDefined();
    expect(d!.range.start.line).toBe(lineOf(f.text, 'ip->protocol == IPPROTO_TCP'));
    const h = await lsp.client.hover(f.uri, d!.range.start.line, d!.range.start.character);
    expect((h?.contents as { value: string }).value).toContain('**bpf/pkt-bounds**');
    const { fixed, after } = await applyFixAndSave(f, d!);
    expect(fixed).toContain('if ((void *)(ip + 1) > data_end)\n\t\treturn XDP_DROP;\n\tif (ip->protocol == IPPROTO_TCP)');
    expect(after.filter((x) => x.severity === 1)).toEqual([]);
    lsp.client.close(f.uri);
  });
});

describe('xdp/return-invalid', () => {
  it('is reported on the return of the invalid value, hover shows the reachable values, the fix verifies clean', async () => {
    const f = await openExample('xdp_invalid_action.c');
    const d = f.diags.find((x) => x.code === 'xdp/return-invalid');
    expect(d, JSON.stringify(f.diags.map((x) => [x.code, x.message]))).toBeDefined();
    // On `return XDP_BOUNCE;`, though clang gave the `r0 = 7` move the line of the `if` above it.
    expect(d!.range.start.line).toBe(lineOf(f.text, '\t\treturn XDP_BOUNCE;'));
    const retLine = f.text.split('\n').lastIndexOf('\treturn XDP_PASS;');
    const h = await lsp.client.hover(f.uri, retLine, 3);
    expect((h?.contents as { value: string }).value).toMatch(/xdp_bounce_icmp\*\* can return: .*7 \(not an XDP action\)/);
    const { fixed, after } = await applyFixAndSave(f, d!, /XDP_DROP/);
    expect(fixed).toContain('return XDP_DROP;\n\treturn XDP_PASS;');
    expect(after.filter((x) => x.severity === 1 || String(x.code).startsWith('xdp/return'))).toEqual([]);
    lsp.client.close(f.uri);
  });
});

describe('xdp/adjust-head-unbounded', () => {
  it('is reported on the push, and the bound-check fix removes it', async () => {
    const f = await openExample('xdp_adjust_head_unbounded.c');
    const d = f.diags.find((x) => x.code === 'xdp/adjust-head-unbounded');
    expect(d, JSON.stringify(f.diags.map((x) => [x.code, x.message]))).toBeDefined();
    expect(d!.range.start.line).toBe(lineOf(f.text, '\tif (bpf_xdp_adjust_head(ctx'));
    const { fixed, after } = await applyFixAndSave(f, d!);
    expect(fixed).toMatch(/if \(\(\(int\)cfg->len\) < 0 \|\| \(\(int\)cfg->len\) > \d+\)\n\t\treturn XDP_DROP;\n\tif \(bpf_xdp_adjust_head/);
    expect(after.filter((x) => x.severity === 1 || x.code === 'xdp/adjust-head-unbounded')).toEqual([]);
    lsp.client.close(f.uri);
  });
});

describe('driver-dependent findings', () => {
  it('select a driver: capability findings carry a drivers table in their hover', async () => {
    await lsp.client.executeCommand(ServerCommands.selectDriver, ['ixgbevf']);
    try {
      const f = await openExample('xdp_adjust_head_unbounded.c');
      const codes = f.diags.map((x) => x.code);
      expect(codes).toContain('xdp/adjust-head-unbounded');
      const d = f.diags.find((x) => x.code === 'xdp/adjust-head-unbounded')!;
      const h = await lsp.client.hover(f.uri, d.range.start.line, d.range.start.character);
      const md = (h?.contents as { value: string }).value;
      expect(md).toContain('**xdp/adjust-head-unbounded**');
      expect(md).toMatch(/\*\*Suggested bound:\*\* \d+/);
      lsp.client.close(f.uri);
    } finally {
      await lsp.client.executeCommand(ServerCommands.selectDriver, [null]);
    }
  });
});

/** An Ethernet + IPv4 frame with the given IP protocol (checksums are not checked by the program). */
function ipv4Frame(protocol: number): string {
  const eth = 'ffffffffffff' + '020000000001' + '0800';
  const ip = '4500' + '0028' + '0000' + '0000' + '40' + protocol.toString(16).padStart(2, '0') + '0000' + '0a000001' + '0a000002';
  return eth + ip + '00'.repeat(20);
}

/** A classic little-endian µs pcap file holding the given frames. */
function pcapOf(frames: string[]): Uint8Array {
  const parts: Buffer[] = [];
  const g = Buffer.alloc(24);
  g.writeUInt32LE(0xa1b2c3d4, 0);
  g.writeUInt16LE(2, 4);
  g.writeUInt16LE(4, 6);
  g.writeUInt32LE(65535, 16);
  g.writeUInt32LE(1, 20);
  parts.push(g);
  for (const f of frames) {
    const data = Buffer.from(f, 'hex');
    const h = Buffer.alloc(16);
    h.writeUInt32LE(data.length, 8);
    h.writeUInt32LE(data.length, 12);
    parts.push(h, data);
  }
  return Buffer.concat(parts);
}

/** A little-endian pcapng file (section header, one Ethernet interface, an enhanced packet block per frame). */
function pcapngOf(frames: string[]): Uint8Array {
  const block = (type: number, body: Buffer): Buffer => {
    const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
    const b = Buffer.alloc(12 + padded.length);
    b.writeUInt32LE(type, 0);
    b.writeUInt32LE(b.length, 4);
    padded.copy(b, 8);
    b.writeUInt32LE(b.length, b.length - 4);
    return b;
  };
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeBigInt64LE(-1n, 8);
  const idb = Buffer.alloc(8);
  idb.writeUInt16LE(1, 0); // LINKTYPE_ETHERNET
  idb.writeUInt32LE(65535, 4);
  const epbs = frames.map((f) => {
    const data = Buffer.from(f, 'hex');
    const head = Buffer.alloc(20);
    head.writeUInt32LE(data.length, 12);
    head.writeUInt32LE(data.length, 16);
    return block(6, Buffer.concat([head, data]));
  });
  return Buffer.concat([block(0x0a0d0d0a, shb), block(1, idb), ...epbs]);
}

describe('commands on the analysed program', () => {
  it('runs the program on a packet (hex) and on a pcap in the emulator', async () => {
    const f = await openExample('xdp_invalid_action.c');
    const icmp = (await lsp.client.executeCommand(ServerCommands.runPacket, [f.uri, { packetHex: ipv4Frame(1) }])) as string;
    expect(icmp).toContain('#0: unknown(7) (retval 7)');
    const pcap = tempFile('two.pcap', '');
    writeFileSync(pcap, pcapOf([ipv4Frame(6), ipv4Frame(1)]));
    const both = (await lsp.client.executeCommand(ServerCommands.runPacket, [f.uri, { pcap }])) as string;
    expect(both).toContain('on 2 packet(s)');
    expect(both).toMatch(/#0: XDP_PASS \(retval 2\)[\s\S]*#1: unknown\(7\)/);
    // pcapng, through the same reader as `xdp-check run --pcap`
    const ng = tempFile('two.pcapng', '');
    writeFileSync(ng, pcapngOf([ipv4Frame(1), ipv4Frame(6)]));
    const fromNg = (await lsp.client.executeCommand(ServerCommands.runPacket, [f.uri, { pcap: ng }])) as string;
    expect(fromNg).toMatch(/on 2 packet\(s\)[\s\S]*#0: unknown\(7\)[\s\S]*#1: XDP_PASS \(retval 2\)/);
    const cut = tempFile('cut.pcap', '');
    writeFileSync(cut, pcapOf([ipv4Frame(6)]).subarray(0, 50));
    await expect(lsp.client.executeCommand(ServerCommands.runPacket, [f.uri, { pcap: cut }])).rejects.toThrow(/cut\.pcap: .*\(offset \d+\)/);
    await expect(lsp.client.executeCommand(ServerCommands.runPacket, [f.uri, { packetHex: 'abc' }])).rejects.toThrow(/even number of hex digits/);
    lsp.client.close(f.uri);
  });

  it("gives __kconfig externs this machine's kernel version, as libbpf would here", async () => {
    const text = [
      '#include <linux/bpf.h>',
      '#include <bpf/bpf_helpers.h>',
      'extern int LINUX_KERNEL_VERSION __kconfig;',
      'SEC("xdp")',
      'int xdp_kver(struct xdp_md *ctx)',
      '{',
      '\treturn LINUX_KERNEL_VERSION >= 0x050000 ? XDP_PASS : XDP_DROP;',
      '}',
      'char LICENSE[] SEC("license") = "GPL";',
      '',
    ].join('\n');
    const path = tempFile('kver.bpf.c', text);
    const uri = lsp.client.open(path);
    await lsp.client.diagnosticsFor(uri, 1);
    const out = (await lsp.client.executeCommand(ServerCommands.runPacket, [uri, { packetHex: ipv4Frame(6) }])) as string;
    // the test machines run 6.x kernels; read as 0 it would be XDP_DROP
    expect(out).toContain('#0: XDP_PASS (retval 2)');
    expect(out).not.toContain('no value for kconfig');
    lsp.client.close(uri);
  });

  it('shows the portability matrix: a clean program passes on generic, an invalid return fails on drivers', async () => {
    const f = await openExample('xdp_parse_clean.c');
    const m = (await lsp.client.executeCommand(ServerCommands.portability, [f.uri])) as string;
    expect(m).toMatch(/^xdp_\w+: .*generic ✔/m);
    lsp.client.close(f.uri);
    const g = await openExample('xdp_invalid_action.c');
    const m2 = (await lsp.client.executeCommand(ServerCommands.portability, [g.uri])) as string;
    expect(m2).toMatch(/✘ \S+: xdp\/return-invalid/);
    lsp.client.close(g.uri);
  });
});

describe('hover from the verifier state', () => {
  it('shows the registers at the start of a verified line, and the reachable return values on a return', async () => {
    const f = await openExample('xdp_parse_clean.c');
    const l = lineOf(f.text, '\tif (ip->protocol != IPPROTO_UDP)');
    const h = await lsp.client.hover(f.uri, l, f.text.split('\n')[l]!.indexOf('protocol'));
    const md = (h?.contents as { value: string }).value;
    expect(md).toContain(`Verifier state at the start of line ${l + 1} (xdp_parse`);
    // The IPv4 header was proven readable: some register holds a packet pointer with r=34 (14 + 20).
    expect(md).toMatch(/R\d=pkt\([^)]*r=34/);
    const r = lineOf(f.text, '\treturn XDP_DROP;\n}'.split('\n')[0]!);
    const h2 = await lsp.client.hover(f.uri, r, 3);
    expect((h2?.contents as { value: string }).value).toMatch(/\*\*xdp_parse\*\* can return: XDP_DROP \(1\), XDP_PASS \(2\)/);
    lsp.client.close(f.uri);
  });
});
