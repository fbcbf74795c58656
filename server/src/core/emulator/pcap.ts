// pcap and pcapng reader (pure, bounds-checked). No maintained npm library reads both formats
// (pcap-parser is unmaintained and has no pcapng), so this is our own, written from the format
// descriptions: classic libpcap files (microsecond magic 0xa1b2c3d4, nanosecond 0xa1b23c4d, either
// byte order) and pcapng (draft-ietf-opsawg-pcapng: SHB, IDB, EPB, SPB and the obsolete PB; other
// blocks skipped; several sections with their own byte order). Every length is checked before use;
// a damaged or truncated file gives a typed error naming the byte offset, never an exception.

export interface PcapPacket {
  readonly data: Uint8Array;
  /** Length on the wire (may exceed data.length when the capture was snapped). */
  readonly origLen: number;
  /** Timestamp in ns since the epoch, when the file gives one. */
  readonly timestampNs?: bigint;
  /** Link-layer type (LINKTYPE_ETHERNET = 1). */
  readonly linkType: number;
}

export interface PcapError {
  readonly stage: 'pcap';
  readonly kind: 'empty' | 'bad-magic' | 'truncated' | 'bad-block' | 'bad-interface';
  readonly offset: number;
  readonly message: string;
}

export type PcapResult =
  | { readonly ok: true; readonly format: 'pcap' | 'pcapng'; readonly packets: PcapPacket[] }
  | { readonly ok: false; readonly error: PcapError };

export const LINKTYPE_ETHERNET = 1;

const err = (kind: PcapError['kind'], offset: number, message: string): PcapResult => ({ ok: false, error: { stage: 'pcap', kind, offset, message } });

export function readCapture(bytes: Uint8Array): PcapResult {
  if (bytes.length < 4) return err('empty', 0, `file of ${bytes.length} bytes is too short for a capture header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const be = dv.getUint32(0, false);
  if (be === 0x0a0d0d0a) return readPcapng(bytes, dv);
  if (be === 0xa1b2c3d4 || be === 0xa1b23c4d || be === 0xd4c3b2a1 || be === 0x4d3cb2a1) return readPcap(bytes, dv);
  return err('bad-magic', 0, `unknown magic 0x${be.toString(16).padStart(8, '0')}: not a pcap or pcapng file`);
}

function readPcap(bytes: Uint8Array, dv: DataView): PcapResult {
  const magicBE = dv.getUint32(0, false);
  const little = magicBE === 0xd4c3b2a1 || magicBE === 0x4d3cb2a1;
  const nano = magicBE === 0xa1b23c4d || magicBE === 0x4d3cb2a1;
  if (bytes.length < 24) return err('truncated', bytes.length, `pcap global header needs 24 bytes, file has ${bytes.length}`);
  const linkType = dv.getUint32(20, little) & 0x0fffffff;
  const packets: PcapPacket[] = [];
  let off = 24;
  while (off < bytes.length) {
    if (off + 16 > bytes.length) return err('truncated', off, `packet record header at offset ${off} needs 16 bytes, ${bytes.length - off} left`);
    const sec = dv.getUint32(off, little);
    const frac = dv.getUint32(off + 4, little);
    const incl = dv.getUint32(off + 8, little);
    const orig = dv.getUint32(off + 12, little);
    if (off + 16 + incl > bytes.length) return err('truncated', off, `packet record at offset ${off} claims ${incl} bytes, ${bytes.length - off - 16} left`);
    packets.push({
      data: bytes.slice(off + 16, off + 16 + incl),
      origLen: orig,
      timestampNs: BigInt(sec) * 1_000_000_000n + BigInt(frac) * (nano ? 1n : 1000n),
      linkType,
    });
    off += 16 + incl;
  }
  return { ok: true, format: 'pcap', packets };
}

interface Iface { linkType: number; snapLen: number; tsUnitsPerSec: bigint; tsOffsetSec: bigint }

function readPcapng(bytes: Uint8Array, dv: DataView): PcapResult {
  const packets: PcapPacket[] = [];
  let off = 0;
  let little = true;
  let ifaces: Iface[] = [];
  while (off < bytes.length) {
    if (off + 12 > bytes.length) return err('truncated', off, `block header at offset ${off} needs 12 bytes, ${bytes.length - off} left`);
    const typeBE = dv.getUint32(off, false);
    if (typeBE === 0x0a0d0d0a) {
      // Section header: the byte-order magic decides the endianness of this section.
      if (off + 12 > bytes.length) return err('truncated', off, 'section header block truncated');
      const bom = dv.getUint32(off + 8, true);
      if (bom === 0x1a2b3c4d) little = true;
      else if (bom === 0x4d3c2b1a) little = false;
      else return err('bad-block', off + 8, `section header at offset ${off} has byte-order magic 0x${bom.toString(16)}`);
      ifaces = [];
    }
    const type = dv.getUint32(off, little);
    const len = dv.getUint32(off + 4, little);
    if (len < 12 || len % 4 !== 0) return err('bad-block', off + 4, `block at offset ${off} has invalid length ${len}`);
    if (off + len > bytes.length) return err('truncated', off, `block at offset ${off} (type 0x${type.toString(16)}) claims ${len} bytes, ${bytes.length - off} left`);
    if (dv.getUint32(off + len - 4, little) !== len) return err('bad-block', off + len - 4, `block at offset ${off}: trailing length differs from leading length ${len}`);
    const body = off + 8;
    const bodyEnd = off + len - 4;
    switch (type) {
      case 0x00000001: { // Interface Description Block
        if (bodyEnd - body < 8) return err('bad-block', off, `interface description block at offset ${off} is too short`);
        const iface: Iface = { linkType: dv.getUint16(body, little), snapLen: dv.getUint32(body + 4, little), tsUnitsPerSec: 1_000_000n, tsOffsetSec: 0n };
        // Options: if_tsresol (9) and if_tsoffset (14).
        let o = body + 8;
        while (o + 4 <= bodyEnd) {
          const code = dv.getUint16(o, little);
          const olen = dv.getUint16(o + 2, little);
          if (code === 0) break;
          if (o + 4 + olen > bodyEnd) return err('bad-block', o, `option at offset ${o} overruns its block`);
          if (code === 9 && olen >= 1) {
            const r = bytes[o + 4];
            iface.tsUnitsPerSec = r & 0x80 ? 1n << BigInt(r & 0x7f) : 10n ** BigInt(r & 0x7f);
          } else if (code === 14 && olen >= 8) {
            iface.tsOffsetSec = dv.getBigInt64(o + 4, little);
          }
          o += 4 + ((olen + 3) & ~3);
        }
        ifaces.push(iface);
        break;
      }
      case 0x00000006: case 0x00000002: { // Enhanced Packet Block / obsolete Packet Block
        if (bodyEnd - body < 20) return err('bad-block', off, `packet block at offset ${off} is too short`);
        const ifId = type === 6 ? dv.getUint32(body, little) : dv.getUint16(body, little);
        const iface = ifaces[ifId];
        if (!iface) return err('bad-interface', off, `packet block at offset ${off} names interface ${ifId}, which is not described`);
        const ts = (BigInt(dv.getUint32(body + 4, little)) << 32n) | BigInt(dv.getUint32(body + 8, little));
        const cap = dv.getUint32(body + 12, little);
        const orig = dv.getUint32(body + 16, little);
        if (body + 20 + cap > bodyEnd) return err('bad-block', off, `packet block at offset ${off} claims ${cap} captured bytes, block holds ${bodyEnd - body - 20}`);
        packets.push({
          data: bytes.slice(body + 20, body + 20 + cap), origLen: orig, linkType: iface.linkType,
          timestampNs: (iface.tsOffsetSec * 1_000_000_000n) + (ts * 1_000_000_000n) / iface.tsUnitsPerSec,
        });
        break;
      }
      case 0x00000003: { // Simple Packet Block: captured length = min(original, snaplen, block room).
        const iface = ifaces[0];
        if (!iface) return err('bad-interface', off, `simple packet block at offset ${off} without an interface description`);
        if (bodyEnd - body < 4) return err('bad-block', off, `simple packet block at offset ${off} is too short`);
        const orig = dv.getUint32(body, little);
        let cap = Math.min(orig, bodyEnd - body - 4);
        if (iface.snapLen > 0) cap = Math.min(cap, iface.snapLen);
        packets.push({ data: bytes.slice(body + 4, body + 4 + cap), origLen: orig, linkType: iface.linkType });
        break;
      }
      default:
        break; // SHB handled above; name resolution, statistics, custom blocks: skipped.
    }
    off += len;
  }
  return { ok: true, format: 'pcapng', packets };
}
