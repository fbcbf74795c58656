// `xdp-check run`, in-process: JSON and text output, pcap input, driver headroom and data_meta,
// and usage errors. Objects are compiled from test/emulator/progs at test time (clang).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../server/src/cli/dispatch';
import type { CliIo } from '../../server/src/cli/io';
import { buildProg, clangAvailable } from './build';

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const io: CliIo = { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, cwd: process.cwd() };
  const code = await runCli(argv, io);
  return { code, out, err };
}

// Ethernet + IPv4 + UDP to port 7 (echo): the parser answers with XDP_TX after swapping addresses.
const UDP_ECHO = '0200000000010200000000020800' + '4500001c0000400040110000' + '0a000001' + '0a010203' + '30390007000800000000000000000000000000';

function pcapFile(packets: string[]): string {
  const recs = packets.map((h) => Buffer.from(h, 'hex'));
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0); head.writeUInt16LE(2, 4); head.writeUInt16LE(4, 6); head.writeUInt32LE(65535, 16); head.writeUInt32LE(1, 20);
  const parts = [head];
  for (const r of recs) {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(r.length, 8); h.writeUInt32LE(r.length, 12);
    parts.push(h, r);
  }
  const dir = mkdtempSync(join(tmpdir(), 'xdp-run-'));
  const path = join(dir, 'in.pcap');
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

describe.skipIf(!clangAvailable())(`xdp-check run${clangAvailable() ? '' : ' (skipped: clang not found)'}`, () => {
  it('JSON: retval, action and data_out per packet', async () => {
    const obj = buildProg('parser');
    const r = await cli(['run', '--format', 'json', '--packet', UDP_ECHO, '--packet', '0'.repeat(28), obj]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { runs: { retval: number; action: string; packet: string }[] };
    expect(j.runs).toHaveLength(2);
    expect(j.runs[0].action).toBe('XDP_TX');
    expect(j.runs[0].retval).toBe(3);
    // MACs swapped, IPs swapped, ports swapped.
    expect(j.runs[0].packet.slice(0, 24)).toBe('020000000002020000000001');
    expect(j.runs[0].packet.slice(52, 68)).toBe('0a0102030a000001');
    expect(j.runs[1]).toMatchObject({ retval: 2, action: 'XDP_PASS', packet: '0'.repeat(28) });
  });

  it('text: summary, map changes and a hexdump diff', async () => {
    const r = await cli(['run', '--packet', UDP_ECHO, buildProg('parser')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('XDP_TX (retval 3)');
    expect(r.out).toContain('map proto_count[00000000]');
    expect(r.out).toMatch(/- 0000 {2}02 00 00 00 00 01 02 00 00 00 00 02/);
    expect(r.out).toMatch(/\+ 0000 {2}02 00 00 00 00 02 02 00 00 00 00 01/);
  });

  it('pcap input, maps persisting across packets', async () => {
    const r = await cli(['run', '--format', 'json', '--pcap', pcapFile([UDP_ECHO, UDP_ECHO]), buildProg('parser')]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { runs: { action: string }[] };
    expect(j.runs.map((x) => x.action)).toEqual(['XDP_TX', 'XDP_TX']);
  });

  it("--driver: the driver's headroom bounds bpf_xdp_adjust_head, data_meta support bounds adjust_meta", async () => {
    const obj = buildProg('adjust');
    // Byte 15 = 0xce → delta = -50 * 4 = -200: fits 256 - 40 bytes of room, not i40e's 192 - 40.
    const pkt = '00'.repeat(15) + 'ce' + '00'.repeat(44);
    const base = JSON.parse((await cli(['run', '--format', 'json', '--program', 'xdp_head', '--packet', pkt, obj])).out) as { runs: { action: string; packet: string }[] };
    expect(base.runs[0].action).toBe('XDP_PASS');
    expect(base.runs[0].packet.length / 2).toBe(60 + 200);
    const i40e = JSON.parse((await cli(['run', '--format', 'json', '--driver', 'i40e', '--program', 'xdp_head', '--packet', pkt, obj])).out) as { runs: { action: string; packet: string }[] };
    expect(i40e.runs[0].action).toBe('XDP_DROP');
    expect(i40e.runs[0].packet.slice(0, 8)).toBe('eaffffff'); // -EINVAL (-22) written by the program
    const meta = '00'.repeat(15) + '08' + '00'.repeat(44);
    const withMeta = JSON.parse((await cli(['run', '--format', 'json', '--program', 'xdp_meta', '--packet', meta, obj])).out) as { runs: { packet: string; metaLen?: number }[] };
    expect(withMeta.runs[0].metaLen).toBe(8);
    expect(withMeta.runs[0].packet.slice(0, 8)).toBe('efbeadde');
    const qede = JSON.parse((await cli(['run', '--format', 'json', '--driver', 'qede', '--program', 'xdp_meta', '--packet', meta, obj])).out) as { runs: { packet: string; metaLen?: number }[] };
    expect(qede.runs[0].metaLen).toBeUndefined();
    expect(qede.runs[0].packet.slice(0, 8)).toBe('f4fdffff'); // -ENOTSUPP (-524)
  });

  it('--driver notes an action the driver does not handle', async () => {
    const obj = buildProg('features');
    const r = await cli(['run', '--driver', 'ixgbevf', '--program', 'redirect_flags', '--packet', UDP_ECHO, obj]);
    expect(r.out).toContain('XDP_REDIRECT');
    expect(r.out).toContain('ixgbevf does not handle XDP_REDIRECT');
    const ok = await cli(['run', '--driver', 'i40e', '--program', 'redirect_flags', '--packet', UDP_ECHO, obj]);
    expect(ok.out).not.toContain('does not handle');
  });

  it('usage errors exit 2 with a reason', async () => {
    const obj = buildProg('adjust');
    expect((await cli(['run', '--packet', 'zz', obj])).err).toContain('is not hex');
    expect((await cli(['run', obj])).err).toContain('no packets');
    const several = await cli(['run', '--packet', '00'.repeat(20), obj]);
    expect(several.code).toBe(2);
    expect(several.err).toContain('choose one with --program');
    expect((await cli(['run', '--driver', 'nosuch', '--packet', '00'.repeat(20), obj])).err).toContain("unknown driver 'nosuch'");
    const bad = pcapFile([UDP_ECHO]);
    writeFileSync(bad, Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0]));
    const r = await cli(['run', '--pcap', bad, obj]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('pcap global header needs 24 bytes');
  });

  it('short packets are refused as the kernel refuses them', async () => {
    const r = await cli(['run', '--format', 'json', '--packet', '00'.repeat(10), buildProg('parser')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('shorter than ETH_HLEN');
  });
});

// The loader's committed fixture: LINUX_KERNEL_VERSION, a weak bool and a weak char[4] kconfig
// extern; the program aborts unless the kernel is >= 5.15, the JIT is on and HZ does not start with 'x'.
describe('xdp-check run: __kconfig externs', () => {
  const GLOBALS = join(__dirname, '..', 'fixtures', 'loader', 'globals.o');
  const PKT = '00'.repeat(60);
  const action = (out: string) => (JSON.parse(out) as { runs: { action: string }[] }).runs[0]!.action;
  const configFile = (text: string, gzip = false): string => {
    const path = join(mkdtempSync(join(tmpdir(), 'xdp-kconfig-')), gzip ? 'config.gz' : 'config');
    writeFileSync(path, gzip ? gzipSync(text) : text);
    return path;
  };

  it('without values they read as 0, and the text output says which were missing', async () => {
    const r = await cli(['run', '--packet', PKT, GLOBALS]);
    expect(r.out).toContain('XDP_ABORTED');
    expect(r.out).toContain('note: no value for kconfig extern LINUX_KERNEL_VERSION: read as 0 (libbpf would refuse to load');
  });

  it('from a .config (plain or gzip, as /proc/config.gz) and --kconfig-set, later wins', async () => {
    const config = '# comment\nCONFIG_BPF_JIT=y\nCONFIG_HZ_STR="250"\n';
    for (const gz of [false, true]) {
      const r = await cli(['run', '--format', 'json', '--packet', PKT, '--kconfig', configFile(config, gz), '--kconfig-set', 'LINUX_KERNEL_VERSION=6.1.20', GLOBALS]);
      expect(r.err).toBe('');
      expect(action(r.out)).toBe('XDP_PASS');
    }
    const old = await cli(['run', '--format', 'json', '--packet', PKT, '--kconfig', configFile(config), '--kconfig-set', 'LINUX_KERNEL_VERSION=5.10.0', GLOBALS]);
    expect(action(old.out)).toBe('XDP_ABORTED');
    const noJit = await cli(['run', '--format', 'json', '--packet', PKT, '--kconfig', configFile('# CONFIG_BPF_JIT is not set\n'), '--kconfig-set', 'LINUX_KERNEL_VERSION=6.1', GLOBALS]);
    expect(action(noJit.out)).toBe('XDP_ABORTED');
    const hz = await cli(['run', '--format', 'json', '--packet', PKT, '--kconfig-set', 'CONFIG_BPF_JIT=y', '--kconfig-set', 'CONFIG_HZ_STR="xyz"', '--kconfig-set', 'LINUX_KERNEL_VERSION=6.1', GLOBALS]);
    expect(action(hz.out)).toBe('XDP_ABORTED');
  });

  it("refuses values libbpf refuses, naming the extern", async () => {
    const m = await cli(['run', '--packet', PKT, '--kconfig-set', 'CONFIG_BPF_JIT=m', GLOBALS]);
    expect(m.code).toBe(2);
    expect(m.err).toContain("kconfig extern 'CONFIG_BPF_JIT': value 'm' for a bool (only y or n)");
    const big = await cli(['run', '--packet', PKT, '--kconfig-set', 'LINUX_KERNEL_VERSION=0x100000000', GLOBALS]);
    expect(big.err).toContain("kconfig extern 'LINUX_KERNEL_VERSION': value 4294967296 does not fit its 4 bytes");
    const bad = await cli(['run', '--packet', PKT, '--kconfig-set', 'nonsense', GLOBALS]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--kconfig-set needs NAME=VALUE (got 'nonsense')");
    const missing = await cli(['run', '--packet', PKT, '--kconfig', '/nonexistent/config', GLOBALS]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--kconfig \/nonexistent\/config: .*no such file/i);
  });
});
