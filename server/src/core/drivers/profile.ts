// The driver capability model: one record per XDP driver (kernel module name as the id), every
// fact carrying the kernel file and version it was read from. Plain data; the analyses in
// core/xdp/ read it, the `xdp-check drivers` command prints it, docs/drivers.md is generated
// from it. Byte values assume x86_64, 4 KiB pages, NET_SKB_PAD=64, NET_IP_ALIGN=0 and
// SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) = 320 (the reference's stated assumptions).

/** One fact: the value, where it comes from, and why it may be wrong. */
export interface Fact<T> {
  readonly value: T;
  /** Kernel file(s) and version the value was read from (`path:line @version`), or the document. */
  readonly source: string;
  /** Present when the fact is inferred, estimated or version-dependent in a way not pinned down. */
  readonly uncertain?: string;
  /** Detail shown in `xdp-check drivers ID` and hovers (the expression, conditions). */
  readonly note?: string;
  /** Where we re-read the fact ourselves in Debian's linux-source-6.12 (see verified.ts). */
  readonly verified?: string;
  /** Older values: for a target kernel before `before`, the fact was `value` (latest entry first wins). */
  readonly byKernel?: ReadonlyArray<{ readonly before: string; readonly value: T; readonly source: string; readonly uncertain?: string }>;
}

/** The fact as it holds on `kernel` (undefined: the reference kernel, 7.2). */
export function factAt<T>(f: Fact<T>, kernel?: KernelVersion): Fact<T> {
  if (!kernel || !f.byKernel) return f;
  // The earliest `before` bound above the kernel decides (entries may be in any order).
  let best: { before: string; value: T; source: string; uncertain?: string } | undefined;
  for (const e of f.byKernel) {
    if (!KernelVersion.before(kernel, e.before)) continue;
    if (!best || KernelVersion.before(KernelVersion.parse(e.before)!, best.before)) best = e;
  }
  if (!best) return f;
  return { ...f, value: best.value, source: best.source, ...(best.uncertain ? { uncertain: best.uncertain } : {}), note: `on ${KernelVersion.format(kernel)}; ${f.note ?? ''}`.trim() };
}

export type XdpAction = 'ABORTED' | 'DROP' | 'PASS' | 'TX' | 'REDIRECT';
export const XDP_ACTIONS: readonly XdpAction[] = ['ABORTED', 'DROP', 'PASS', 'TX', 'REDIRECT'];

export type MetadataKfunc = 'rx_timestamp' | 'rx_hash' | 'rx_vlan_tag';
export const METADATA_KFUNCS: readonly MetadataKfunc[] = ['rx_timestamp', 'rx_hash', 'rx_vlan_tag'];

export interface DriverProfile {
  /** Kernel module name (`i40e`, `mlx5_core`), or `generic` (skb mode) / `nfp-offload`. */
  readonly id: string;
  /** Other names users type (`mlx5`, `thunderx`). */
  readonly aliases: readonly string[];
  readonly title: string;
  readonly mode: 'native' | 'generic' | 'offload';
  /** First kernel release with XDP in this driver (X.Y). */
  readonly xdpSince: Fact<string>;
  /** xdp_features flags as of the reference kernel (`*` = set only while a program is attached). */
  readonly features: Fact<readonly string[]>;
  /** Actions the driver's RX path handles; anything else hits bpf_warn_invalid_xdp_action + drop. */
  readonly actions: Fact<readonly XdpAction[]>;
  /** Can be the target of a redirect (ndo_xdp_xmit / NETDEV_XDP_ACT_NDO_XMIT). */
  readonly redirectTarget: Fact<boolean>;
  /** Bytes between data_hard_start and data (null: firmware-defined). */
  readonly headroom: Fact<number | null>;
  /** data_meta valid (xdp_prepare_buff(..., meta_valid=true)); false: bpf_xdp_adjust_meta fails. */
  readonly dataMeta: Fact<boolean>;
  /** bpf_xdp_adjust_tail can grow the frame (frame_sz set). */
  readonly tailGrow: Fact<boolean>;
  /** Bytes bpf_xdp_adjust_tail can grow a 1514-byte frame (MTU 1500), default config; null: not computed. */
  readonly tailroom: Fact<number | null>;
  /** Multi-buffer RX (NETDEV_XDP_ACT_RX_SG): xdp.frags programs see fragments. */
  readonly rxSg: Fact<boolean>;
  /** Largest MTU a non-frags program can be attached with (null: no fixed limit / unknown). */
  readonly maxMtu: Fact<number | null>;
  readonly xskZeroCopy: Fact<boolean>;
  /** xdp_metadata_ops callbacks the driver implements. */
  readonly kfuncs: { readonly [K in MetadataKfunc]: Fact<boolean> };
  /** Runs the program on the NIC (XDP_FLAGS_HW_MODE). */
  readonly hwOffload: Fact<boolean>;
  /** What the driver does with an invalid or unhandled action. */
  readonly invalidAction: string;
  readonly caveats: readonly string[];
  readonly sources: readonly string[];
  readonly uncertain: readonly string[];
}

/** A kernel release as major.minor. */
export interface KernelVersion {
  readonly major: number;
  readonly minor: number;
}

export const KernelVersion = {
  parse(text: string): KernelVersion | undefined {
    const m = /^\s*~?(\d+)\.(\d+)/.exec(text);
    return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
  },
  compare(a: KernelVersion, b: KernelVersion): number {
    return a.major !== b.major ? a.major - b.major : a.minor - b.minor;
  },
  /** a < b */
  before(a: KernelVersion, b: KernelVersion | string): boolean {
    const bb = typeof b === 'string' ? KernelVersion.parse(b) : b;
    return bb !== undefined && KernelVersion.compare(a, bb) < 0;
  },
  format(v: KernelVersion): string {
    return `${v.major}.${v.minor}`;
  },
};

/** Every fact of a profile with its dotted path, for tests, docs and the CLI. */
export function profileFacts(p: DriverProfile): Array<[string, Fact<unknown>]> {
  const out: Array<[string, Fact<unknown>]> = [];
  for (const [k, v] of Object.entries(p)) {
    if (k === 'kfuncs') for (const [kk, vv] of Object.entries(v as object)) out.push([`kfuncs.${kk}`, vv as Fact<unknown>]);
    else if (v !== null && typeof v === 'object' && !Array.isArray(v) && 'value' in v) out.push([k, v as Fact<unknown>]);
  }
  return out;
}
