// The running kernel's config, as libbpf reads it for `__kconfig` externs (tools/lib/bpf/libbpf.c
// @6.12: bpf_object__read_kconfig_file tries /boot/config-$(uname -r), then /proc/config.gz) and
// LINUX_KERNEL_VERSION from the release (get_kernel_version). Empty when neither file exists.
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { linuxKernelVersion, parseKconfig } from '../core/emulator/kconfig';

export function hostKconfig(): Map<string, string> {
  const boot = `/boot/config-${release()}`;
  let values = new Map<string, string>();
  try {
    if (existsSync(boot)) values = parseKconfig(readFileSync(boot, 'utf8'));
    else if (existsSync('/proc/config.gz')) values = parseKconfig(gunzipSync(readFileSync('/proc/config.gz')).toString('utf8'));
  } catch {
    // unreadable: the externs read as 0 and the caller reports them missing
  }
  const kver = linuxKernelVersion(release());
  if (kver !== undefined) values.set('LINUX_KERNEL_VERSION', String(kver));
  return values;
}
