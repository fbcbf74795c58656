// The emulator's memory: a table of regions (stack frames, the XDP frame, the context, map values,
// global-data values, a key/scratch buffer) addressed by tagged 64-bit pointers.
//
// A pointer is a (hi, lo) pair of 32-bit words: hi = REGION_TAG | regionId, lo = BIAS + offset.
// Pointer arithmetic is ordinary 64-bit arithmetic, so a pointer moved far out of its region changes
// its hi word and stops naming the region; every access re-checks hi, then the offset against the
// region's live window [start, end). The BIAS keeps small negative offsets inside the same hi word so
// that `ptr - 1` is reported as "offset -1" rather than as a wild address.
//
// Faults are thrown as EmuFault (an internal signal); run() catches them and turns them into
// Fault records. Nothing else may throw out of the emulator.

export const REGION_TAG = 0xff000000 | 0;
export const MAP_TAG = 0xfd000000 | 0;
export const FUNC_TAG = 0xfe000000 | 0;
export const BIAS = 0x40000000;

export const RegionFlag = { WRITABLE: 1, CTX: 2 } as const;

export type FaultKind =
  | 'memory' | 'null' | 'readonly' | 'ctx' | 'helper' | 'kfunc' | 'call' | 'step-limit' | 'cancelled'
  | 'invalid-insn' | 'tail-call' | 'stack-depth';

export interface Fault {
  readonly kind: FaultKind;
  /** Slot of the instruction that faulted. */
  readonly slot: number;
  /** Program name the slot belongs to (tail calls run other programs). */
  readonly program: string;
  readonly line?: number;
  readonly file?: string;
  readonly region?: string;
  readonly offset?: number;
  readonly size?: number;
  readonly message: string;
}

/** Internal signal; converted to a Fault record at the run() boundary. */
export class EmuFault {
  accounted = false;
  /** The Program whose slot this is (set by the tier that was running it). */
  where: unknown = undefined;
  constructor(
    readonly kind: FaultKind,
    readonly slot: number,
    readonly message: string,
    readonly region?: string,
    readonly offset?: number,
    readonly size?: number,
  ) {}
}

export class Memory {
  readonly bufs: Uint8Array[] = [];
  readonly views: DataView[] = [];
  /** Live window of each region, in offsets from the start of its buffer. */
  readonly start: number[] = [];
  readonly end: number[] = [];
  readonly flags: number[] = [];
  readonly names: string[] = [];
  private readonly byBuf = new Map<Uint8Array, number>();
  /** Set by traced runs: called for every store with the region name and offset in it. */
  onStore: ((region: string, offset: number, size: number, lo: number, hi: number) => void) | undefined = undefined;
  /** Special loads from the context region (xdp_md fields that become pointers). */
  ctxLoad: (off: number, size: number, slot: number, out: Int32Array) => void = (off, size, slot) => {
    throw new EmuFault('ctx', slot, `no context`, 'ctx', off, size);
  };

  add(name: string, buf: Uint8Array, flags: number, start = 0, end = buf.length): number {
    const id = this.bufs.length;
    this.bufs.push(buf);
    this.views.push(new DataView(buf.buffer, buf.byteOffset, buf.byteLength));
    this.start.push(start);
    this.end.push(end);
    this.flags.push(flags);
    this.names.push(name);
    this.byBuf.set(buf, id);
    return id;
  }

  /** The region for a buffer that already has one (map values are registered once per run). */
  regionOf(buf: Uint8Array, name: string, flags: number): number {
    const id = this.byBuf.get(buf);
    return id !== undefined ? id : this.add(name, buf, flags);
  }

  /**
   * Resolves [ptr+off, ptr+off+size) to (region, offset); faults with the region and offset when the
   * access leaves the region's live window. Returns the region id; the offset is left in `lastOff`.
   */
  lastOff = 0;
  resolve(hi: number, lo: number, off: number, size: number, slot: number, write: boolean): number {
    if ((hi & 0xff000000) !== REGION_TAG) {
      if (hi === 0 && (lo >>> 0) + off < 4096) {
        throw new EmuFault('null', slot, `${write ? 'write to' : 'read from'} null pointer + ${(lo >>> 0) + off} (${size} bytes)`, 'null', (lo >>> 0) + off, size);
      }
      throw new EmuFault('memory', slot, `${write ? 'write to' : 'read from'} address 0x${hex32(hi)}${hex32(lo)} + ${off} which is not in any region`, 'none', undefined, size);
    }
    const id = hi & 0xffffff;
    if (id >= this.bufs.length) {
      throw new EmuFault('memory', slot, `pointer to unknown region ${id}`, 'none', undefined, size);
    }
    const o = (lo >>> 0) - BIAS + off;
    const f = this.flags[id];
    if (o < this.start[id] || o + size > this.end[id]) {
      throw new EmuFault('memory', slot,
        `${write ? 'write' : 'read'} of ${size} bytes at ${this.names[id]}+${o - this.start[id]} is outside [0, ${this.end[id] - this.start[id]})`,
        this.names[id], o - this.start[id], size);
    }
    if (write && (f & RegionFlag.WRITABLE) === 0) {
      throw new EmuFault('readonly', slot, `write of ${size} bytes to read-only ${this.names[id]}+${o - this.start[id]}`, this.names[id], o - this.start[id], size);
    }
    this.lastOff = o;
    return id;
  }

  /** Loads size (1, 2, 4, 8) bytes; the value goes to out[0] (lo) and out[1] (hi). */
  load(hi: number, lo: number, off: number, size: number, slot: number, out: Int32Array): void {
    // Fast path: a plain region and an in-bounds access (the same checks as resolve(), inlined).
    if ((hi & 0xff000000) === REGION_TAG) {
      const fid = hi & 0xffffff;
      const fo = (lo >>> 0) - BIAS + off;
      if (fid < this.bufs.length && fo >= this.start[fid] && fo + size <= this.end[fid]) {
        if ((this.flags[fid] & RegionFlag.CTX) !== 0) {
          this.ctxLoad(fo, size, slot, out);
          return;
        }
        const v = this.views[fid];
        switch (size) {
          case 1: out[0] = v.getUint8(fo); out[1] = 0; return;
          case 2: out[0] = v.getUint16(fo, true); out[1] = 0; return;
          case 4: out[0] = v.getInt32(fo, true); out[1] = 0; return;
          default: out[0] = v.getInt32(fo, true); out[1] = v.getInt32(fo + 4, true); return;
        }
      }
    }
    const id = this.resolve(hi, lo, off, size, slot, false);
    const o = this.lastOff;
    if ((this.flags[id] & RegionFlag.CTX) !== 0) {
      this.ctxLoad(o, size, slot, out);
      return;
    }
    const v = this.views[id];
    switch (size) {
      case 1: out[0] = v.getUint8(o); out[1] = 0; return;
      case 2: out[0] = v.getUint16(o, true); out[1] = 0; return;
      case 4: out[0] = v.getInt32(o, true); out[1] = 0; return;
      default: out[0] = v.getInt32(o, true); out[1] = v.getInt32(o + 4, true); return;
    }
  }

  /** Scratch for the sized loads' slow path. */
  private readonly tmp = new Int32Array(2);

  // Sized loads of 1, 2 and 4 bytes returning the low word: small enough for V8 to inline at every
  // load site. Same checks as load(), which they fall back to for everything but an in-bounds access
  // to a plain region. (1- and 2-byte loads always have a zero high word: the context's pointer
  // fields fault unless loaded with 4 bytes.)
  ld1(hi: number, lo: number, off: number, slot: number): number {
    if ((hi & 0xff000000) === REGION_TAG) {
      const fid = hi & 0xffffff;
      const fo = (lo >>> 0) - BIAS + off;
      if (fid < this.bufs.length && fo >= this.start[fid] && fo + 1 <= this.end[fid] && (this.flags[fid] & RegionFlag.CTX) === 0) {
        return this.bufs[fid][fo];
      }
    }
    this.load(hi, lo, off, 1, slot, this.tmp);
    return this.tmp[0];
  }

  ld2(hi: number, lo: number, off: number, slot: number): number {
    if ((hi & 0xff000000) === REGION_TAG) {
      const fid = hi & 0xffffff;
      const fo = (lo >>> 0) - BIAS + off;
      if (fid < this.bufs.length && fo >= this.start[fid] && fo + 2 <= this.end[fid] && (this.flags[fid] & RegionFlag.CTX) === 0) {
        const b = this.bufs[fid];
        return b[fo] | (b[fo + 1] << 8);
      }
    }
    this.load(hi, lo, off, 2, slot, this.tmp);
    return this.tmp[0];
  }

  /**
   * The context's pointer fields as ctxLoad gives them (lo, hi of data, data_end, data_meta: xdp_md+0,
   * +4, +8), kept current by the environment (XdpEnv.sync) while `ctxFieldsValid` is true; ld4 answers those loads here.
   */
  readonly ctxFields = new Int32Array(6);
  ctxFieldsValid = false;

  /** 4-byte load: the low word is returned and the high word left in out[1] (context pointer fields
   *  load as 64-bit pointers). */
  ld4(hi: number, lo: number, off: number, slot: number, out: Int32Array): number {
    if ((hi & 0xff000000) === REGION_TAG) {
      const fid = hi & 0xffffff;
      const fo = (lo >>> 0) - BIAS + off;
      if (fid < this.bufs.length && fo >= this.start[fid] && fo + 4 <= this.end[fid]) {
        if ((this.flags[fid] & RegionFlag.CTX) === 0) {
          const b = this.bufs[fid];
          out[1] = 0;
          return b[fo] | (b[fo + 1] << 8) | (b[fo + 2] << 16) | (b[fo + 3] << 24);
        }
        if (this.ctxFieldsValid && (fo === 0 || fo === 4 || fo === 8)) {
          const i = fo >> 1;
          out[1] = this.ctxFields[i + 1];
          return (out[0] = this.ctxFields[i]);
        }
      }
    }
    this.load(hi, lo, off, 4, slot, out);
    return out[0];
  }

  // Sized stores, the counterpart of ld1/ld2/ld4: an in-bounds store to a plain writable region while
  // no store hook is set writes the bytes here (little-endian); anything else goes through store().
  st1(hi: number, lo: number, off: number, slot: number, v: number): void {
    if ((hi & 0xff000000) === REGION_TAG && this.onStore === undefined) {
      const fid = hi & 0xffffff;
      const fo = (lo >>> 0) - BIAS + off;
      if (fid < this.bufs.length && fo >= this.start[fid] && fo + 1 <= this.end[fid] && this.flags[fid] === RegionFlag.WRITABLE) {
        this.bufs[fid][fo] = v;
        return;
      }
    }
    this.store(hi, lo, off, 1, slot, v, 0);
  }

  st2(hi: number, lo: number, off: number, slot: number, v: number): void {
    if ((hi & 0xff000000) === REGION_TAG && this.onStore === undefined) {
      const fid = hi & 0xffffff;
      const fo = (lo >>> 0) - BIAS + off;
      if (fid < this.bufs.length && fo >= this.start[fid] && fo + 2 <= this.end[fid] && this.flags[fid] === RegionFlag.WRITABLE) {
        const b = this.bufs[fid];
        b[fo] = v;
        b[fo + 1] = v >> 8;
        return;
      }
    }
    this.store(hi, lo, off, 2, slot, v, 0);
  }

  st4(hi: number, lo: number, off: number, slot: number, v: number): void {
    if ((hi & 0xff000000) === REGION_TAG && this.onStore === undefined) {
      const fid = hi & 0xffffff;
      const fo = (lo >>> 0) - BIAS + off;
      if (fid < this.bufs.length && fo >= this.start[fid] && fo + 4 <= this.end[fid] && this.flags[fid] === RegionFlag.WRITABLE) {
        const b = this.bufs[fid];
        b[fo] = v;
        b[fo + 1] = v >> 8;
        b[fo + 2] = v >> 16;
        b[fo + 3] = v >> 24;
        return;
      }
    }
    this.store(hi, lo, off, 4, slot, v, 0);
  }

  st8(hi: number, lo: number, off: number, slot: number, vlo: number, vhi: number): void {
    if ((hi & 0xff000000) === REGION_TAG && this.onStore === undefined) {
      const fid = hi & 0xffffff;
      const fo = (lo >>> 0) - BIAS + off;
      if (fid < this.bufs.length && fo >= this.start[fid] && fo + 8 <= this.end[fid] && this.flags[fid] === RegionFlag.WRITABLE) {
        const b = this.bufs[fid];
        b[fo] = vlo;
        b[fo + 1] = vlo >> 8;
        b[fo + 2] = vlo >> 16;
        b[fo + 3] = vlo >> 24;
        b[fo + 4] = vhi;
        b[fo + 5] = vhi >> 8;
        b[fo + 6] = vhi >> 16;
        b[fo + 7] = vhi >> 24;
        return;
      }
    }
    this.store(hi, lo, off, 8, slot, vlo, vhi);
  }

  store(hi: number, lo: number, off: number, size: number, slot: number, vlo: number, vhi: number): void {
    if ((hi & 0xff000000) === REGION_TAG && this.onStore === undefined) {
      const fid = hi & 0xffffff;
      const fo = (lo >>> 0) - BIAS + off;
      if (fid < this.bufs.length && fo >= this.start[fid] && fo + size <= this.end[fid] && this.flags[fid] === RegionFlag.WRITABLE) {
        const v = this.views[fid];
        switch (size) {
          case 1: v.setUint8(fo, vlo & 0xff); return;
          case 2: v.setUint16(fo, vlo & 0xffff, true); return;
          case 4: v.setInt32(fo, vlo, true); return;
          default: v.setInt32(fo, vlo, true); v.setInt32(fo + 4, vhi, true); return;
        }
      }
    }
    const id = this.resolve(hi, lo, off, size, slot, true);
    if ((this.flags[id] & RegionFlag.CTX) !== 0) {
      throw new EmuFault('ctx', slot, `write of ${size} bytes to the context (xdp_md+${this.lastOff}); XDP programs cannot write ctx`, 'ctx', this.lastOff, size);
    }
    const v = this.views[id];
    const o = this.lastOff;
    if (this.onStore !== undefined) this.onStore(this.names[id], o - this.start[id], size, vlo, vhi);
    switch (size) {
      case 1: v.setUint8(o, vlo & 0xff); return;
      case 2: v.setUint16(o, vlo & 0xffff, true); return;
      case 4: v.setInt32(o, vlo, true); return;
      default: v.setInt32(o, vlo, true); v.setInt32(o + 4, vhi, true); return;
    }
  }

  /** A few recently asked-for buffers and their regions (the map values a program keeps looking up). */
  private readonly recentBuf: Array<Uint8Array | undefined> = [undefined, undefined, undefined, undefined];
  private readonly recentId: number[] = [0, 0, 0, 0];
  private recentNext = 0;

  knownRegion(buf: Uint8Array): number | undefined {
    const rb = this.recentBuf;
    for (let i = 0; i < 4; i++) if (rb[i] === buf) return this.recentId[i];
    const id = this.byBuf.get(buf);
    if (id !== undefined) {
      const i = this.recentNext;
      rb[i] = buf;
      this.recentId[i] = id;
      this.recentNext = (i + 1) & 3;
    }
    return id;
  }

  /**
   * checkedRegion's common case without its call: [ptr, ptr+len) inside a plain (non-context) region
   * gives the region id, the offset in `lastOff`; anything else gives -1 (the caller then calls
   * checkedRegion, which faults or answers the same).
   */
  plainRegion(hi: number, lo: number, len: number): number {
    if ((hi & 0xff000000) !== REGION_TAG) return -1;
    const id = hi & 0xffffff;
    const o = (lo >>> 0) - BIAS;
    if (id < this.bufs.length && o >= this.start[id] && o + len <= this.end[id] && (this.flags[id] & RegionFlag.CTX) === 0) {
      this.lastOff = o;
      return id;
    }
    return -1;
  }

  /** Checks [ptr, ptr+len) for a helper's read; returns the region id, the offset in `lastOff`. */
  checkedRegion(hi: number, lo: number, len: number, slot: number, what: string): number {
    if (hi === 0 && lo === 0) throw new EmuFault('helper', slot, `${what}: null pointer`, 'null', 0, len);
    const id = this.resolve(hi, lo, 0, len, slot, false);
    if ((this.flags[id] & RegionFlag.CTX) !== 0) throw new EmuFault('helper', slot, `${what}: pointer to the context is not a buffer`, 'ctx', this.lastOff, len);
    return id;
  }

  /** A checked view of [ptr, ptr+len) for helpers: returns the buffer and offset. */
  span(hi: number, lo: number, len: number, slot: number, write: boolean, what: string): { buf: Uint8Array; off: number; region: number } {
    if (len === 0) return { buf: new Uint8Array(0), off: 0, region: -1 };
    if (hi === 0 && lo === 0) throw new EmuFault('helper', slot, `${what}: null pointer`, 'null', 0, len);
    const id = this.resolve(hi, lo, 0, len, slot, write);
    if ((this.flags[id] & RegionFlag.CTX) !== 0) throw new EmuFault('helper', slot, `${what}: pointer to the context is not a buffer`, 'ctx', this.lastOff, len);
    return { buf: this.bufs[id], off: this.lastOff, region: id };
  }
}

export function hex32(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}

export function ptrHi(region: number): number {
  return REGION_TAG | region;
}

export function ptrLo(offset: number): number {
  return (BIAS + offset) | 0;
}
