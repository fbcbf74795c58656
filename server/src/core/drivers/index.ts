// Driver profiles: lookup by id or alias, close matches for typos, and the facts re-read
// against linux-source-6.12 folded into each fact's `verified` field.

import type { DriverProfile, Fact } from './profile';
import { PROFILE_ROWS } from './profiles';
import { VERIFIED_6_12 } from './verified';

export * from './profile';
export { VERIFIED_6_12 } from './verified';

function withVerified(p: DriverProfile): DriverProfile {
  const checks = VERIFIED_6_12.filter((v) => v.driver === p.id);
  if (checks.length === 0) return p;
  const mark = (path: string, f: Fact<unknown>): Fact<unknown> => {
    const hits = checks.filter((c) => c.fact === path);
    if (hits.length === 0) return f;
    const where = hits.map((c) => `${c.file}${c.line ? `:${c.line}` : ''} @6.12.117 (${c.shows})`).join('; ');
    return { ...f, verified: where };
  };
  const out: Record<string, unknown> = { ...p };
  for (const [k, v] of Object.entries(p)) {
    if (k === 'kfuncs') {
      const kf: Record<string, unknown> = {};
      for (const [kk, vv] of Object.entries(v as object)) kf[kk] = mark(`kfuncs.${kk}`, vv as Fact<unknown>);
      out[k] = kf;
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v) && 'value' in v) {
      out[k] = mark(k, v as Fact<unknown>);
    }
  }
  return out as unknown as DriverProfile;
}

/** All profiles, in the reference's order (generic first). */
export const DRIVER_PROFILES: readonly DriverProfile[] = PROFILE_ROWS.map(withVerified);

const BY_NAME = new Map<string, DriverProfile>();
for (const p of DRIVER_PROFILES) {
  BY_NAME.set(p.id.toLowerCase(), p);
  for (const a of p.aliases) BY_NAME.set(a.toLowerCase(), p);
}

export function driverIds(): string[] {
  return DRIVER_PROFILES.map((p) => p.id);
}

/** The profile for a module name or alias (case-insensitive; `-` and `_` interchangeable). */
export function findDriver(id: string): DriverProfile | undefined {
  const k = id.trim().toLowerCase();
  return BY_NAME.get(k) ?? BY_NAME.get(k.replace(/-/g, '_')) ?? BY_NAME.get(k.replace(/_/g, '-'));
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

/** Ids whose id or alias is close to `id` (typo distance ≤ 2, or a substring), best first. */
export function closeDriverMatches(id: string, limit = 5): string[] {
  const k = id.trim().toLowerCase();
  const scored: Array<[number, string]> = [];
  for (const p of DRIVER_PROFILES) {
    let best = Infinity;
    for (const name of [p.id, ...p.aliases]) {
      const n = name.toLowerCase();
      const dist = n.includes(k) || k.includes(n) ? 0.5 : editDistance(k, n);
      best = Math.min(best, dist);
    }
    if (best <= 2) scored.push([best, p.id]);
  }
  return scored.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1])).slice(0, limit).map((s) => s[1]);
}

/** "unknown driver 'i40': did you mean i40e? Known: ..." */
export function unknownDriverMessage(id: string): string {
  const close = closeDriverMatches(id);
  const hint = close.length ? ` Did you mean ${close.join(', ')}?` : '';
  return `unknown driver '${id}'.${hint} Known drivers: ${driverIds().join(', ')}.`;
}
