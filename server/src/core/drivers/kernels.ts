// Kernel releases worth offering as a target: the long-term ones, and every release in which
// something an XDP program can use arrived (from the version tables in kernelFeatures.ts), each
// with the names it brought. The editor's kernel picker shows this list.

import { FEATURE_VERSIONS, HELPER_VERSIONS, KFUNC_VERSIONS, type VersionFact } from './kernelFeatures';
import { KernelVersion } from './profile';

/**
 * Long-term releases that carry XDP (kernel.org/category/releases.html and its list of past
 * longterm kernels: 4.9, 4.14, 4.19, 5.4, 5.10, 5.15, 6.1, 6.6 and 6.12).
 */
const LONGTERM = ['4.9', '4.14', '4.19', '5.4', '5.10', '5.15', '6.1', '6.6', '6.12'];

/** XDP's first release: older helpers reach XDP programs here. */
const FIRST_XDP = FEATURE_VERSIONS['xdp']!.since;

export interface KernelChoice {
  /** "6.1" */
  readonly version: string;
  readonly longterm: boolean;
  /** Helpers, kfuncs and features an XDP program can use from this release on, sorted. */
  readonly adds: readonly string[];
}

export function kernelChoices(): KernelChoice[] {
  const adds = new Map<string, string[]>();
  const note = (name: string, f: VersionFact) => {
    const v = KernelVersion.parse(f.xdp ?? f.since);
    if (!v) return;
    const at = KernelVersion.before(v, FIRST_XDP) ? FIRST_XDP : KernelVersion.format(v);
    (adds.get(at) ?? adds.set(at, []).get(at)!).push(name);
  };
  for (const table of [HELPER_VERSIONS, KFUNC_VERSIONS, FEATURE_VERSIONS]) for (const [name, f] of Object.entries(table)) note(name, f);
  for (const v of LONGTERM) if (!adds.has(v)) adds.set(v, []);
  return [...adds]
    .map(([version, names]) => ({ version, longterm: LONGTERM.includes(version), adds: names.sort() }))
    .sort((a, b) => KernelVersion.compare(KernelVersion.parse(b.version)!, KernelVersion.parse(a.version)!));
}
