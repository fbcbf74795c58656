// pcap / pcapng reader: both byte orders, µs and ns magic, IDB options (if_tsresol), EPB, SPB and the
// obsolete PB, skipped unknown blocks, and typed errors for damaged or truncated files.
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../../server/src/core/emulator/pcap';

class W {
  private b: number[] = [];
  constructor(private little: boolean) {}
  u8(v: number) { this.b.push(v & 0xff); return this; }
  u16(v: number) { const x = [v & 0xff, (v >> 8) & 0xff]; this.b.push(...(this.little ? x : x.reverse())); return this; }
  u32(v: number) { const x = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]; this.b.push(...(this.little ? x : x.reverse())); return this; }
  bytes(a: ArrayLike<number>) { this.b.push(...Array.from(a)); return this; }
  pad4() { while (this.b.length % 4) this.b.push(0); return this; }
  get length() { return this.b.length; }
  out() { return Uint8Array.from(this.b); }
}

const P1 = Uint8Array.from({ length: 60 }, (_, i) => i);
const P2 = Uint8Array.from({ length: 15 }, (_, i) => 0xf0 + i);

function pcap(little: boolean, nano: boolean): Uint8Array {
  const w = new W(little).u32(nano ? 0xa1b23c4d : 0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0).u32(65535).u32(1);
  w.u32(100).u32(nano ? 5 : 7).u32(P1.length).u32(P1.length).bytes(P1);
  w.u32(101).u32(0).u32(P2.length).u32(1500).bytes(P2);
  return w.out();
}

function block(little: boolean, type: number, body: (w: W) => void): number[] {
  const inner = new W(little);
  body(inner);
  inner.pad4();
  const len = inner.length + 12;
  return Array.from(new W(little).u32(type).u32(len).bytes(inner.out()).u32(len).out());
}

function pcapng(little: boolean): Uint8Array {
  const shb = block(little, 0x0a0d0d0a, (w) => w.u32(0x1a2b3c4d).u16(1).u16(0).u32(0xffffffff).u32(0xffffffff));
  const idb = block(little, 1, (w) => w.u16(1).u16(0).u32(0).u16(9).u16(1).u8(9).pad4().u16(0).u16(0)); // if_tsresol = 10^-9
  const nrb = block(little, 4, (w) => w.u32(0)); // name resolution: skipped
  const epb = block(little, 6, (w) => w.u32(0).u32(0).u32(1_000_000_123).u32(P1.length).u32(P1.length).bytes(P1).pad4());
  const spb = block(little, 3, (w) => w.u32(P2.length).bytes(P2).pad4());
  return Uint8Array.from([...shb, ...idb, ...nrb, ...epb, ...spb]);
}

describe('pcap reader', () => {
  for (const little of [true, false]) {
    for (const nano of [false, true]) {
      it(`classic pcap, ${little ? 'little' : 'big'}-endian, ${nano ? 'ns' : 'µs'}`, () => {
        const r = readCapture(pcap(little, nano));
        if (!r.ok) throw new Error(r.error.message);
        expect(r.format).toBe('pcap');
        expect(r.packets.map((p) => [...p.data])).toEqual([[...P1], [...P2]]);
        expect(r.packets[1].origLen).toBe(1500);
        expect(r.packets[0].timestampNs).toBe(100_000_000_000n + (nano ? 5n : 7000n));
        expect(r.packets[0].linkType).toBe(1);
      });
    }
    it(`pcapng, ${little ? 'little' : 'big'}-endian: IDB tsresol, EPB, SPB, skipped blocks`, () => {
      const r = readCapture(pcapng(little));
      if (!r.ok) throw new Error(r.error.message);
      expect(r.format).toBe('pcapng');
      expect(r.packets.map((p) => [...p.data])).toEqual([[...P1], [...P2]]);
      expect(r.packets[0].timestampNs).toBe(1_000_000_123n);
    });
  }

  it('truncated files and bad blocks are typed errors with offsets', () => {
    const full = pcap(true, false);
    for (const cut of [3, 10, 30, 24 + 16 + 5, full.length - 1]) {
      const r = readCapture(full.slice(0, cut));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(['empty', 'truncated']).toContain(r.error.kind);
    }
    const ng = pcapng(true);
    for (let cut = 1; cut < ng.length; cut += 7) {
      const r = readCapture(ng.slice(0, cut));
      expect(r.ok, `cut ${cut}`).toBe(false);
    }
    const bad = ng.slice();
    bad[28 + 4] ^= 0x40; // corrupt the IDB's leading length (the SHB is 28 bytes)
    expect(readCapture(bad).ok).toBe(false);
    const r = readCapture(Uint8Array.from([1, 2, 3, 4, 5, 6]));
    expect(r.ok ? undefined : r.error.kind).toBe('bad-magic');
  });

  it('packet blocks naming an undescribed interface are refused', () => {
    const shb = block(true, 0x0a0d0d0a, (w) => w.u32(0x1a2b3c4d).u16(1).u16(0).u32(0xffffffff).u32(0xffffffff));
    const epb = block(true, 6, (w) => w.u32(3).u32(0).u32(0).u32(4).u32(4).u32(0));
    const r = readCapture(Uint8Array.from([...shb, ...epb]));
    expect(r.ok ? undefined : r.error.kind).toBe('bad-interface');
  });
});
