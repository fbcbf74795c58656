// Seeded test-packet generator for the differential tests: random bytes (14..1500), well-formed
// Ethernet / 802.1Q VLAN / IPv4 (with and without options) / IPv6 / TCP / UDP / ARP / ICMP frames
// with correct IPv4 header checksums, and the same frames truncated inside a header.

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.s = x;
    return x;
  }
  int(lo: number, hi: number): number {
    return lo + (this.next() % (hi - lo + 1));
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff;
    return b;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.next() % xs.length];
  }
}

export interface PacketCase {
  readonly name: string;
  readonly bytes: Uint8Array;
}

function be16(b: number[], v: number): void {
  b.push((v >> 8) & 0xff, v & 0xff);
}

function ipv4Checksum(h: number[]): number {
  let s = 0;
  for (let i = 0; i < h.length; i += 2) s += (h[i] << 8) | h[i + 1];
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

function l4(rng: Rng, proto: number, payload: number): number[] {
  const b: number[] = [];
  if (proto === 6) {
    be16(b, rng.int(1, 65535)); be16(b, rng.pick([22, 80, 443, 8080, rng.int(1, 65535)]));
    b.push(...rng.bytes(8)); // seq, ack
    b.push(0x50, rng.pick([0x02, 0x10, 0x12, 0x18, 0x11, 0x04])); // data offset 5, flags
    be16(b, 65535); be16(b, 0); be16(b, 0);
  } else if (proto === 17) {
    be16(b, rng.int(1, 65535)); be16(b, rng.pick([53, 7, 4789, 123, rng.int(1, 65535)]));
    be16(b, 8 + payload); be16(b, 0);
  } else if (proto === 1 || proto === 58) {
    b.push(rng.pick([0, 8, 128, 129]), 0); be16(b, 0); b.push(...rng.bytes(4));
  }
  b.push(...rng.bytes(payload));
  return b;
}

function ipv4(rng: Rng, options: boolean): number[] {
  const proto = rng.pick([6, 17, 1]);
  const opt = options ? rng.pick([4, 8, 12, 40]) : 0;
  const payload = rng.int(0, 200);
  const body = l4(rng, proto, payload);
  const h: number[] = [0x40 | ((20 + opt) / 4), 0];
  be16(h, 20 + opt + body.length);
  be16(h, rng.int(0, 65535));
  be16(h, rng.pick([0x4000, 0, 0x2000, 0x0010]));
  h.push(rng.int(1, 255), proto, 0, 0);
  h.push(...rng.pick([[10, 0, 0, 1], [192, 168, 1, 2], [172, 16, 5, 4]]), ...rng.pick([[10, 1, 2, 3], [8, 8, 8, 8], [192, 168, 1, 1]]));
  for (let i = 0; i < opt; i++) h.push(i === opt - 1 ? 0 : 1); // NOPs then EOL
  const c = ipv4Checksum(h);
  h[10] = c >> 8; h[11] = c & 0xff;
  return [...h, ...body];
}

function ipv6(rng: Rng): number[] {
  const proto = rng.pick([6, 17, 58]);
  const body = l4(rng, proto, rng.int(0, 200));
  const h: number[] = [0x60, 0, 0, 0];
  be16(h, body.length);
  h.push(proto, 64);
  h.push(0x20, 0x01, 0x0d, 0xb8, ...rng.bytes(12));
  h.push(0x20, 0x01, 0x0d, 0xb8, ...rng.bytes(12));
  return [...h, ...body];
}

function arp(rng: Rng): number[] {
  const b: number[] = [];
  be16(b, 1); be16(b, 0x0800); b.push(6, 4); be16(b, rng.pick([1, 2]));
  b.push(...rng.bytes(6), 10, 0, 0, 1, ...rng.bytes(6), 10, 0, 0, 2);
  return b;
}

function ether(rng: Rng, type: number, payload: number[], vlan: boolean): Uint8Array {
  const b: number[] = [...rng.pick([[0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0x02, 0, 0, 0, 0, 1]]), 0x02, 0, 0, 0, 0, 2];
  if (vlan) { be16(b, 0x8100); be16(b, rng.int(1, 4094)); }
  be16(b, type);
  const out = Uint8Array.from([...b, ...payload]);
  // Pad to the Ethernet minimum as a NIC would deliver it.
  if (out.length < 60) { const p = new Uint8Array(60); p.set(out); return p; }
  return out;
}

/** At least `n` packets covering every kind, deterministic for a seed. */
export function generatePackets(seed: number, n = 24): PacketCase[] {
  const rng = new Rng(seed);
  const out: PacketCase[] = [];
  const kinds = ['random', 'ipv4', 'ipv4-options', 'vlan-ipv4', 'ipv6', 'vlan-ipv6', 'arp', 'truncated-ip', 'truncated-l4', 'min-14', 'random-large'];
  for (let i = 0; out.length < n; i++) {
    const kind = kinds[i % kinds.length];
    let bytes: Uint8Array;
    switch (kind) {
      case 'random': bytes = rng.bytes(rng.int(14, 1500)); break;
      case 'random-large': bytes = rng.bytes(rng.int(1000, 1500)); break;
      case 'min-14': bytes = rng.bytes(14); break;
      case 'ipv4': bytes = ether(rng, 0x0800, ipv4(rng, false), false); break;
      case 'ipv4-options': bytes = ether(rng, 0x0800, ipv4(rng, true), false); break;
      case 'vlan-ipv4': bytes = ether(rng, 0x0800, ipv4(rng, rng.next() % 2 === 0), true); break;
      case 'ipv6': bytes = ether(rng, 0x86dd, ipv6(rng), false); break;
      case 'vlan-ipv6': bytes = ether(rng, 0x86dd, ipv6(rng), true); break;
      case 'arp': bytes = ether(rng, 0x0806, arp(rng), false); break;
      case 'truncated-ip': {
        const full = ether(rng, rng.pick([0x0800, 0x86dd]), rng.next() % 2 ? ipv4(rng, false) : ipv6(rng), false);
        bytes = full.slice(0, rng.int(14, 14 + 19));
        break;
      }
      default: {
        const full = ether(rng, 0x0800, ipv4(rng, false), false);
        bytes = full.slice(0, Math.min(full.length, 34 + rng.int(0, 7)));
      }
    }
    out.push({ name: `${kind}#${i}`, bytes });
  }
  return out;
}
