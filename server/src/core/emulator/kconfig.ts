// Values for `__kconfig` externs. libbpf fills the `.kconfig` map at load time from the running
// kernel's config (/proc/config.gz or /boot/config-$(uname -r)) and LINUX_KERNEL_VERSION from
// uname; the emulator takes them from a config the user gives, with libbpf's rules for each kind
// (tools/lib/bpf/libbpf.c @6.12: bpf_object__process_kconfig_line, set_kcfg_value_tri,
// set_kcfg_value_str, set_kcfg_value_num, is_kcfg_value_in_range).
import type { KconfigVar, LoadedObject } from '../program';

/**
 * `NAME=value` lines of a kernel .config (`CONFIG_X=y`, `CONFIG_HZ=250`, `CONFIG_S="text"`);
 * `# CONFIG_X is not set` reads as `n`, as libbpf reads it. Other lines are ignored.
 */
export function parseKconfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const unset = /^# (CONFIG_\w+) is not set$/.exec(line);
    if (unset) {
      out.set(unset[1]!, 'n');
      continue;
    }
    const m = /^(\w+)=(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** KERNEL_VERSION(a, b, c) of a release string ("6.18.44-foo"), as libbpf's get_kernel_version computes it. */
export function linuxKernelVersion(release: string): number | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!m) return undefined;
  const [a, b, c] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  return a * 65536 + b * 256 + Math.min(c, 255);
}

export type KconfigImage =
  | { readonly ok: true; readonly image: Uint8Array | undefined; readonly missing: readonly string[] }
  | { readonly ok: false; readonly error: string };

/**
 * The `.kconfig` map value for the object's externs (undefined when it has none). A missing value
 * stays 0 and is listed in `missing` (libbpf refuses to load when a non-weak one is missing).
 */
export function kconfigImage(obj: LoadedObject, values: ReadonlyMap<string, string>): KconfigImage {
  const def = obj.maps.find((m) => m.origin === 'kconfig');
  if (!def?.kconfigVars) return { ok: true, image: undefined, missing: [] };
  const image = new Uint8Array(def.valueSize);
  const missing: string[] = [];
  for (const v of def.kconfigVars) {
    const value = values.get(v.name);
    if (value === undefined) {
      if (!v.weak) missing.push(v.name);
      continue;
    }
    const err = setValue(image, v, value);
    if (err) return { ok: false, error: `kconfig extern '${v.name}': ${err}` };
  }
  return { ok: true, image, missing };
}

const KIND_WORDS: Record<KconfigVar['kind'], string> = { bool: 'bool', tristate: 'tristate', char: 'char', int: 'number', chars: 'string', unsupported: 'unsupported' };

function setValue(image: Uint8Array, v: KconfigVar, value: string): string | undefined {
  if (v.kind === 'unsupported') return 'its type is not one libbpf can fill';
  const c = value[0];
  if (c === 'y' || c === 'n' || c === 'm') {
    if (v.kind === 'bool') {
      if (c === 'm') return "value 'm' for a bool (only y or n)";
      image[v.offset] = c === 'y' ? 1 : 0;
      return undefined;
    }
    // enum libbpf_tristate: TRI_NO = 0, TRI_YES = 1, TRI_MODULE = 2 (tools/lib/bpf/bpf_helpers.h)
    if (v.kind === 'tristate') return writeInt(image, v, c === 'y' ? 1n : c === 'm' ? 2n : 0n);
    if (v.kind === 'char') {
      image[v.offset] = c.charCodeAt(0);
      return undefined;
    }
    return `value '${c}' for a ${KIND_WORDS[v.kind]} extern`;
  }
  if (c === '"') {
    if (v.kind !== 'chars') return 'a string value for a non-string extern';
    if (value.length < 2 || !value.endsWith('"')) return `string value ${value} is not closed`;
    const bytes = new TextEncoder().encode(value.slice(1, -1));
    // libbpf truncates to fit the array and keeps the terminating NUL
    image.set(bytes.subarray(0, v.size - 1), v.offset);
    return undefined;
  }
  if (v.kind !== 'int' && v.kind !== 'char') return `a number value '${value}' for a ${KIND_WORDS[v.kind]} extern`;
  const n = parseNumber(value);
  if (n === undefined) return `'${value}' is not a number`;
  return writeInt(image, v, n);
}

/** strtoull with base 0: decimal, 0x hex, 0 octal. */
function parseNumber(text: string): bigint | undefined {
  const t = text.trim();
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) return BigInt(t);
  if (/^0[0-7]+$/.test(t)) return BigInt(`0o${t.slice(1)}`);
  if (/^-?\d+$/.test(t)) return BigInt.asUintN(64, BigInt(t));
  return undefined;
}

/** Little-endian, after libbpf's range check for the extern's size and signedness. */
function writeInt(image: Uint8Array, v: KconfigVar, n: bigint): string | undefined {
  const bits = BigInt(v.size * 8);
  const fits = v.signed
    ? BigInt.asIntN(64, n) >= -(1n << (bits - 1n)) && BigInt.asIntN(64, n) < 1n << (bits - 1n)
    : n < 1n << bits;
  if (!fits) return `value ${n} does not fit its ${v.size} byte${v.size === 1 ? '' : 's'}`;
  let x = BigInt.asUintN(Number(bits), n);
  for (let i = 0; i < v.size; i++) {
    image[v.offset + i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return undefined;
}
