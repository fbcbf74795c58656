// MapState's hash index (byHash): lookups through it agree with the hex-keyed `entries` after
// inserts, deletes, LRU evictions, clones and hash collisions.
import { describe, expect, it } from 'vitest';
import { keyHash, keyHex, MapState } from '../../server/src/core/emulator/maps';
import { MapType, type MapDef } from '../../server/src/core/program';

const def = (type: number, keySize: number, maxEntries: number): MapDef => ({
  index: 0, name: 'm', type, keySize, valueSize: 8, maxEntries, flags: 0, pinning: 0, origin: 'btf',
});
const u32 = (v: number) => Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
const val = (v: number) => Uint8Array.of(...u32(v), 0, 0, 0, 0);
/** Every key of `keys` is found (with its value) exactly when `present` says so, by both lookups. */
function expectKeys(s: MapState, keys: Uint8Array[], present: (i: number) => boolean): void {
  const mp = s.maps[0];
  keys.forEach((k, i) => {
    const v = s.lookup(mp, k, 0);
    const padded = new Uint8Array(k.length + 6);
    padded.set(k, 3);
    const w = s.lookupAt(mp, padded, 3, k.length, 0);
    expect(v).toBe(w);
    expect(mp.entries.has(keyHex(k))).toBe(present(i));
    if (present(i)) expect(v && [...v.subarray(0, 4)]).toEqual([...u32(i)]);
    else expect(v).toBeUndefined();
  });
}

describe('emulator map hash index', () => {
  for (const type of [MapType.HASH, MapType.PERCPU_HASH, MapType.LRU_HASH]) {
    it(`agrees with entries after inserts, deletes and a clone (type ${type})`, () => {
      const s = new MapState([def(type, 8, 4096)]);
      const mp = s.maps[0];
      const keys = Array.from({ length: 2000 }, (_, i) => Uint8Array.of(i & 0xff, i >> 8, 7, 0, 0, 0, i % 3, 1));
      keys.forEach((k, i) => expect(s.update(mp, k, val(i), 0, 0)).toBe(0));
      expectKeys(s, keys, () => true);
      keys.forEach((k, i) => { if (i % 3 === 0) expect(s.delete(mp, k)).toBe(0); });
      expectKeys(s, keys, (i) => i % 3 !== 0);
      const c = s.clone();
      expectKeys(c, keys, (i) => i % 3 !== 0);
      keys.forEach((k, i) => { if (i % 3 === 0) expect(s.update(mp, k, val(i), 1, 0)).toBe(0); });
      expectKeys(s, keys, () => true);
      expectKeys(c, keys, (i) => i % 3 !== 0);
    });
  }

  it('LRU eviction removes the least recently used key from the index', () => {
    const s = new MapState([def(MapType.LRU_HASH, 4, 4)]);
    const mp = s.maps[0];
    const keys = Array.from({ length: 6 }, (_, i) => u32(i));
    for (let i = 0; i < 4; i++) s.update(mp, keys[i], val(i), 0, 0);
    expect(s.lookupAt(mp, keys[0], 0, 4, 0)).toBeDefined(); // 0 is now the most recent
    s.update(mp, keys[4], val(4), 0, 0); // evicts 1
    s.update(mp, keys[5], val(5), 0, 0); // evicts 2
    expectKeys(s, keys, (i) => i !== 1 && i !== 2);
  });

  it('keys whose hashes collide stay apart', () => {
    // Birthday search over pseudo-random 8-byte keys (a 30-bit hash collides within ~2^15 keys).
    let x = 12345;
    const next = () => { x = (Math.imul(x, 1103515245) + 12345) | 0; return x; };
    const seen = new Map<number, Uint8Array>();
    let pair: [Uint8Array, Uint8Array] | undefined;
    while (!pair) {
      const k = Uint8Array.of(...u32(next()), ...u32(next()));
      const h = keyHash(k, 0, 8);
      const o = seen.get(h);
      if (o !== undefined && keyHex(o) !== keyHex(k)) pair = [o, k];
      else seen.set(h, k);
    }
    const a = 0, b = 1;
    const s = new MapState([def(MapType.HASH, 8, 16)]);
    const mp = s.maps[0];
    const keys = pair;
    // Values are checked against the key's position in `keys`.
    s.update(mp, keys[a], val(a), 0, 0);
    s.update(mp, keys[b], val(b), 0, 0);
    const live = [a, b];
    const check = () => live.forEach((i) => expect([...s.lookup(mp, keys[i], 0)!.subarray(0, 4)]).toEqual([...u32(i)]));
    check();
    expect(s.delete(mp, keys[a])).toBe(0);
    expect(s.lookup(mp, keys[a], 0)).toBeUndefined();
    live.shift();
    check();
    expect(s.delete(mp, keys[b])).toBe(0);
    expect(s.lookup(mp, keys[b], 0)).toBeUndefined();
  });
});
