// The driver profiles as data: every fact names a source, the reference's 31 entries are all
// present under their module names, lookups and typo hints work, and the facts we re-read in
// linux-source-6.12 still hold there.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  closeDriverMatches, DRIVER_PROFILES, driverIds, findDriver, profileFacts, unknownDriverMessage, VERIFIED_6_12,
} from '../../../server/src/core/drivers/index';
import { FEATURE_VERSIONS, HELPER_VERSIONS, KFUNC_VERSIONS } from '../../../server/src/core/drivers/kernelFeatures';
import { XDP_HELPERS, XDP_KFUNCS } from '../../../server/src/core/verifier/helpers';
import { ensureKernelSource, kernelSourceMissingReason } from '../../support/kernelSource';

const REFERENCE = '/work/shared/reference/xdp-drivers.json';

describe('driver profiles', () => {
  it('has 31 profiles with unique module-name ids, including generic and nfp-offload', () => {
    expect(DRIVER_PROFILES).toHaveLength(31);
    const ids = driverIds();
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ['generic', 'nfp-offload', 'i40e', 'ice', 'ixgbe', 'ixgbevf', 'igb', 'igc', 'mlx5_core', 'mlx4_en', 'bnxt_en', 'nfp', 'qede', 'ena', 'sfc', 'virtio_net', 'veth', 'tun', 'stmmac', 'nicvf']) {
      expect(ids).toContain(id);
    }
  });

  it('every fact names a source (kernel file + version or the document it came from)', () => {
    const missing: string[] = [];
    for (const p of DRIVER_PROFILES) {
      const facts = profileFacts(p);
      expect(facts.length).toBeGreaterThanOrEqual(15);
      for (const [path, f] of facts) {
        if (typeof f.source !== 'string' || f.source.trim().length < 8) missing.push(`${p.id}.${path}`);
        else if (!/@\d|bcc|ebpf-docs|reference/.test(f.source)) missing.push(`${p.id}.${path}: no version in "${f.source}"`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('a fact without a source is caught by the same check', () => {
    const p = DRIVER_PROFILES[1];
    const broken = { ...p, headroom: { value: 256, source: '' } };
    const bad = profileFacts(broken).filter(([, f]) => !f.source);
    expect(bad.map(([k]) => k)).toEqual(['headroom']);
  });

  it.skipIf(!existsSync(REFERENCE))('covers every entry of the shared reference and keeps its uncertainties (needs ../shared/reference)', () => {
    const ref = JSON.parse(readFileSync(REFERENCE, 'utf8')) as { drivers: Array<{ driver: string; uncertain?: string[] }> };
    for (const r of ref.drivers) {
      const p = findDriver(r.driver);
      expect(p, r.driver).toBeDefined();
      for (const u of r.uncertain ?? []) expect(p!.uncertain).toContain(u);
    }
  });

  it('finds drivers by alias, case and dash/underscore, and suggests close matches', () => {
    expect(findDriver('mlx5')?.id).toBe('mlx5_core');
    expect(findDriver('THUNDERX')?.id).toBe('nicvf');
    expect(findDriver('virtio-net')?.id).toBe('virtio_net');
    expect(findDriver('i40')).toBeUndefined();
    expect(closeDriverMatches('i40')).toContain('i40e');
    expect(closeDriverMatches('ixgb')).toEqual(expect.arrayContaining(['ixgbe', 'ixgbevf']));
    expect(unknownDriverMessage('igx')).toMatch(/unknown driver 'igx'\. Did you mean .*igb/);
  });

  it('encodes the headroom, action and metadata facts the issue names', () => {
    const hr = (id: string) => findDriver(id)!.headroom.value;
    expect([hr('i40e'), hr('ixgbe'), hr('igb'), hr('ixgbevf'), hr('sfc'), hr('mlx5_core'), hr('generic')]).toEqual([192, 192, 192, 64, 128, 256, 256]);
    for (const id of ['ixgbevf', 'nicvf', 'nfp', 'nfp-offload']) expect(findDriver(id)!.actions.value).not.toContain('REDIRECT');
    for (const id of ['ena', 'sfc', 'qede']) expect(findDriver(id)!.dataMeta.value).toBe(false);
    expect(findDriver('i40e')!.kfuncs.rx_timestamp.value).toBe(false);
    expect(DRIVER_PROFILES.filter((p) => p.kfuncs.rx_timestamp.value).map((p) => p.id).sort()).toEqual(['ice', 'idpf', 'igc', 'mlx4_en', 'mlx5_core', 'stmmac', 'veth']);
  });

  it('keeps the reference uncertainty visible on the facts it concerns', () => {
    expect(findDriver('i40e')!.headroom.uncertain).toMatch(/I40E_SKB_PAD/);
    expect(findDriver('nfp-offload')!.headroom.value).toBeNull();
    expect(findDriver('nfp')!.maxMtu.uncertain).toMatch(/max MTU/);
  });

  it('has a kernel version with a source for every XDP helper and kfunc the verifier knows', () => {
    for (const h of XDP_HELPERS) {
      const v = HELPER_VERSIONS[h.name.startsWith('bpf_') ? h.name : `bpf_${h.name}`];
      expect(v, h.name).toBeDefined();
      expect(v.source.length).toBeGreaterThan(5);
    }
    for (const k of XDP_KFUNCS) expect(KFUNC_VERSIONS[k.name], k.name).toBeDefined();
    for (const [k, v] of Object.entries(FEATURE_VERSIONS)) expect(v.source, k).toMatch(/\S/);
  });
});

const kernelRoot = ensureKernelSource();

describe('facts re-read in linux-source-6.12', () => {
  it.skipIf(!kernelRoot)(`every verified fact still matches the source (${kernelSourceMissingReason})`, () => {
    const failures: string[] = [];
    for (const v of VERIFIED_6_12) {
      const path = join(kernelRoot!, v.file);
      if (!existsSync(path)) { failures.push(`${v.driver}.${v.fact}: ${v.file} missing`); continue; }
      const lines = readFileSync(path, 'utf8').split('\n');
      const w = v.window ?? 4;
      const text = v.line ? lines.slice(Math.max(0, v.line - 1 - w), v.line + w).join('\n') : lines.join('\n');
      const hit = new RegExp(v.pattern).test(text);
      if (hit === !!v.absent) failures.push(`${v.driver}.${v.fact}: /${v.pattern}/ ${v.absent ? 'found' : 'not found'} in ${v.file}:${v.line ?? '*'}`);
    }
    expect(failures).toEqual([]);
  });

  it('each verified check names a profile fact whose value agrees with what it shows', () => {
    for (const v of VERIFIED_6_12) {
      const p = findDriver(v.driver);
      expect(p, v.driver).toBeDefined();
      const f = profileFacts(p!).find(([k]) => k === v.fact);
      expect(f, `${v.driver}.${v.fact}`).toBeDefined();
      expect(f![1].verified).toContain(v.file);
      if (v.fact === 'dataMeta' && v.driver !== 'tun' && v.driver !== 'mvneta' && v.driver !== 'rvu_nicpf') {
        expect(f![1].value, `${v.driver} dataMeta`).toBe(/true/.test(v.pattern));
      }
    }
  });
});
