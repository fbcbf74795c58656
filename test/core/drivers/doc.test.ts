// docs/drivers.md is generated from the profiles; this keeps it in sync (golden: created when
// missing, rewritten only with UPDATE_GOLDEN=1), and checks the CLI's `drivers` command.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { driversCommand, driverIds, findDriver } from '../../../server/src/cli/drivers';
import { DRIVER_PROFILES } from '../../../server/src/core/drivers/index';
import { FEATURE_VERSIONS } from '../../../server/src/core/drivers/kernelFeatures';
import { renderDriversDoc } from '../../../server/src/core/drivers/table';

const DOC = join(__dirname, '..', '..', '..', 'docs', 'drivers.md');

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), cwd: '/' }, out, err };
}

describe('docs/drivers.md', () => {
  it('is in sync with the profiles', () => {
    const text = renderDriversDoc(DRIVER_PROFILES, FEATURE_VERSIONS);
    if (!existsSync(DOC) || process.env.UPDATE_GOLDEN === '1') writeFileSync(DOC, text);
    expect(readFileSync(DOC, 'utf8')).toBe(text);
    for (const p of DRIVER_PROFILES) expect(text).toContain(`| ${p.id}`);
    expect(text).toMatch(/xdp\/portability-unchecked/);
  });
});

describe('xdp-check drivers', () => {
  it('lists every profile', async () => {
    const t = io();
    expect(await driversCommand([], t.io)).toBe(0);
    const text = t.out.join('');
    for (const id of driverIds()) expect(text).toContain(id);
    expect(text.split('\n').filter((l) => l.trim()).length).toBe(DRIVER_PROFILES.length + 1);
  });

  it('shows one profile with sources, by alias too', async () => {
    const t = io();
    expect(await driversCommand(['mlx5'], t.io)).toBe(0);
    const text = t.out.join('');
    expect(text).toMatch(/^mlx5_core/);
    expect(text).toMatch(/headroom: 256\n {4}note: .*\n {4}source: drivers\/net\/ethernet\/mellanox/);
    expect(text).toMatch(/verified: drivers\/net\/ethernet\/mellanox\/mlx5\/core\/en\/xdp\.c:282 @6\.12\.117/);
  });

  it('json output parses and carries the sources', async () => {
    const t = io();
    expect(await driversCommand(['--format', 'json', 'sfc'], t.io)).toBe(0);
    const p = JSON.parse(t.out.join(''));
    expect(p.headroom).toMatchObject({ value: 128 });
    expect(p.headroom.verified).toMatch(/net_driver\.h:101/);
  });

  it('unknown driver: exit 2 with close matches', async () => {
    const t = io();
    expect(await driversCommand(['i40'], t.io)).toBe(2);
    expect(t.err.join('')).toMatch(/unknown driver 'i40'\. Did you mean i40e/);
    expect(findDriver('i40')).toBeUndefined();
  });
});
