// Helper families, captured output, fault records, the step limit, cancellation and traces, on the
// programs of test/emulator/progs/features.c (compiled at test time), on both tiers.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMaps, run, type RunOptions } from '../../server/src/core/emulator/index';
import { loadObject } from '../../server/src/core/loader/index';
import type { LoadedObject } from '../../server/src/core/program';
import { buildProg, clangAvailable } from './build';

let obj: LoadedObject;
const pkt = (n = 64) => Uint8Array.from({ length: n }, (_, i) => i);

function go(name: string, opts: Partial<RunOptions> = {}, tier: 'interp' | 'jit' = 'interp') {
  const prog = obj.programs.find((p) => p.name === name);
  if (!prog) throw new Error(`no program ${name}`);
  return run(prog, obj, { packet: pkt(), tier, ...opts });
}

describe.skipIf(!clangAvailable())(`emulator features${clangAvailable() ? '' : ' (skipped: clang not found)'}`, () => {
  beforeAll(() => {
    const r = loadObject(new Uint8Array(readFileSync(buildProg('features'))));
    if (!r.ok) throw new Error(r.error.message);
    obj = r.value;
  });

  for (const tier of ['interp', 'jit'] as const) {
    describe(tier, () => {
      it('tail calls through a prog_array; an empty slot falls through', () => {
        const maps = createMaps(obj);
        expect(go('tail_entry', { maps }, tier).action).toBe('XDP_PASS');
        maps.setProg(maps.byName('jumps')!, 2, 'tail_target');
        expect(go('tail_entry', { maps, ctx: { rxQueueIndex: 2 } }, tier).action).toBe('XDP_TX');
        expect(go('tail_entry', { maps, ctx: { rxQueueIndex: 1 } }, tier).action).toBe('XDP_PASS');
        // A tail-called program whose bpf_loop callback lives in its own code.
        maps.setProg(maps.byName('jumps')!, 3, 'tail_loop');
        expect(go('tail_entry', { maps, ctx: { rxQueueIndex: 3 } }, tier).action).toBe('XDP_DROP');
      });

      it('ring buffer records and perf output with packet bytes are captured', () => {
        const r = go('ringbuf_perf', {}, tier);
        expect(r.faults).toEqual([]);
        expect(r.output.ringbuf.map((x) => Buffer.from(x.data).toString('hex'))).toEqual(['01efcdab', '8877665544332211']);
        expect(r.output.perf).toHaveLength(1);
        expect(Buffer.from(r.output.perf[0].data).toString('hex')).toBe('8877');
        expect([...r.output.perf[0].packet]).toEqual([0, 1, 2, 3]);
      });

      it('bpf_printk is formatted and its length returned', () => {
        const r = go('printk', { ctx: { rxQueueIndex: 3 } }, tier);
        expect(r.output.printk).toEqual(['len 64 q 3 hi']);
        expect(r.action).toBe('XDP_PASS');
      });

      it('lpm trie longest match, LRU eviction, queue and stack return codes', () => {
        expect(go('lpm', {}, tier).action).toBe('XDP_PASS');
        expect(go('lru_queue', {}, tier).action).toBe('XDP_PASS');
      });

      it('per-CPU arrays write the chosen CPU only', () => {
        const maps = createMaps(obj);
        go('percpu', { maps, cpu: 2 }, tier);
        const e = [...maps.byName('pc')!.entries.values()][0];
        expect(e.values.map((v) => v[0])).toEqual([0, 0, 3, 0]);
      });

      it('for_each_map_elem visits every element; spin locks are accepted', () => {
        const r = go('foreach_lock', {}, tier);
        expect(r.faults).toEqual([]);
        expect(r.action).toBe('XDP_PASS');
        expect(r.mapChanges.map((c) => c.map)).toEqual(['arr']);
      });

      it('fib_lookup answers from the given routes; redirect records the target', () => {
        const routes = [{ prefix: '10.1.0.0/16', ifindex: 7, smac: '02:00:00:00:00:aa', dmac: '02:00:00:00:00:bb' }];
        const r = go('fib', { routes }, tier);
        expect(r.action).toBe('XDP_REDIRECT');
        expect(r.redirect).toEqual({ kind: 'ifindex', ifindex: 7, flags: 0 });
        expect(Buffer.from(r.packet.subarray(0, 12)).toString('hex')).toBe('0200000000bb0200000000aa');
        expect(go('fib', { routes: [] }, tier).action).toBe('XDP_DROP'); // no route: BPF_FIB_LKUP_RET_UNREACHABLE
        expect(go('fib', { routes: [{ ...routes[0], dmac: undefined }] }, tier).action).toBe('XDP_DROP'); // NO_NEIGH
      });

      it('check_mtu reports the device MTU', () => {
        expect(go('mtu', { mtu: 1500 }, tier).action).toBe('XDP_PASS');
        expect(go('mtu', { mtu: 9000 }, tier).action).toBe('XDP_DROP');
      });

      it('redirect with bad flags aborts; redirect_map records map, key and ifindex', () => {
        const r = go('redirect_flags', {}, tier);
        expect(r.action).toBe('XDP_REDIRECT');
        expect(r.redirect).toEqual({ kind: 'devmap_hash', map: 'ports', key: 7, ifindex: 9, flags: 0 });
      });

      it('metadata kfuncs: -EOPNOTSUPP without values, the given values otherwise', () => {
        const none = go('rx_meta', {}, tier);
        const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
        expect(dv(none.packet).getInt32(0, true)).toBe(-95);
        expect(dv(none.packet).getInt32(8, true)).toBe(-95);
        const some = go('rx_meta', { metadata: { hash: { hash: 0xcafe, type: 1 }, timestamp: 123456789n } }, tier);
        expect(dv(some.packet).getInt32(0, true)).toBe(0);
        expect(dv(some.packet).getUint32(4, true)).toBe(0xcafe);
        expect(dv(some.packet).getUint32(12, true)).toBe(123456789);
      });

      it('an out-of-bounds packet read is a fault naming slot, C line, region and offset', () => {
        const r = go('oob_read', { packet: pkt(60) }, tier);
        expect(r.action).toBe('XDP_ABORTED');
        expect(r.faults).toHaveLength(1);
        const f = r.faults[0];
        expect(f).toMatchObject({ kind: 'memory', region: 'packet', offset: 100, size: 1, program: 'oob_read' });
        expect(f.line).toBe(readFileSync(new URL('./progs/features.c', import.meta.url), 'utf8').split('\n').findIndex((l) => l.includes('data + 100')) + 1);
        expect(f.message).toContain('outside [0, 60)');
      });

      it('the step limit stops a runaway program with a fault', () => {
        const r = go('spin_forever', { stepLimit: 100_000 }, tier);
        expect(r.faults[0]?.kind).toBe('step-limit');
        expect(r.steps).toBe(100_000);
      });

      it('a set cancellation flag stops the run', () => {
        const cancel = new Int32Array(new SharedArrayBuffer(4));
        Atomics.store(cancel, 0, 1);
        const r = go('spin_forever', { cancel }, tier);
        expect(r.faults[0]?.kind).toBe('cancelled');
      });
    });
  }

  it('interpreter and JIT agree on every program of the file', () => {
    for (const p of obj.programs) {
      const a = go(p.name, { stepLimit: 50_000 }, 'interp');
      const b = go(p.name, { stepLimit: 50_000 }, 'jit');
      // everything but the timing, step-limit faults included (the JIT stops where the interpreter does)
      const strip = (r: ReturnType<typeof go>) => ({ ...r, nsPerRun: 0 });
      expect(strip(b), p.name).toEqual(strip(a));
    }
  });

  it('traces record registers and memory written per instruction', () => {
    const r = go('printk', { trace: true });
    expect(r.trace!.length).toBe(r.steps);
    const stores = r.trace!.flatMap((t) => t.mem);
    expect(stores.some((s) => s.region.startsWith('stack'))).toBe(true);
    expect(r.trace!.filter((t) => t.regs.some(([reg]) => reg === 0)).length).toBeGreaterThan(0);
  });
});
