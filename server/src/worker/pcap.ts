// Reads the packets of a classic libpcap file (magic a1b2c3d4 µs / a1b23c4d ns, either byte
// order; https://www.tcpdump.org/manpages/pcap-savefile.5.html). pcapng is refused with a clear
// message rather than misread.
export interface PcapPacket {
  readonly index: number;
  readonly data: Uint8Array;
  /** Original length on the wire (may exceed the captured bytes). */
  readonly wireLength: number;
}

export type PcapResult = { ok: true; linkType: number; packets: PcapPacket[] } | { ok: false; error: string };

export function readPcap(bytes: Uint8Array): PcapResult {
  if (bytes.length < 24) return { ok: false, error: `pcap: file too short for the 24-byte global header (${bytes.length} bytes)` };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magicLE = dv.getUint32(0, true);
  let le: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) le = true;
  else if (dv.getUint32(0, false) === 0xa1b2c3d4 || dv.getUint32(0, false) === 0xa1b23c4d) le = false;
  else if (magicLE === 0x0a0d0d0a) return { ok: false, error: 'pcap: this is a pcapng file; convert it with `editcap -F pcap in.pcapng out.pcap`' };
  else return { ok: false, error: `pcap: unknown magic 0x${magicLE.toString(16)} at offset 0` };
  const linkType = dv.getUint32(20, le);
  const packets: PcapPacket[] = [];
  let off = 24;
  while (off + 16 <= bytes.length) {
    const incl = dv.getUint32(off + 8, le);
    const orig = dv.getUint32(off + 12, le);
    if (off + 16 + incl > bytes.length) return { ok: false, error: `pcap: record ${packets.length} at offset ${off} claims ${incl} bytes past the end of the file` };
    packets.push({ index: packets.length, data: bytes.slice(off + 16, off + 16 + incl), wireLength: orig });
    off += 16 + incl;
  }
  return { ok: true, linkType, packets };
}
