// __kconfig values as libbpf writes them into the .kconfig map: layout from the loader, one value
// kind per extern type, a .config's syntax, and KERNEL_VERSION of a release string.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kconfigImage, linuxKernelVersion, parseKconfig } from '../../../server/src/core/emulator/kconfig';
import { loadObject } from '../../../server/src/core/loader';

const obj = (() => {
  const r = loadObject(new Uint8Array(readFileSync(join(__dirname, '..', '..', 'fixtures', 'loader', 'globals.o'))));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
})();

describe('kconfig externs', () => {
  it('are laid out and typed as libbpf does (alignment, then size, then name), weak ones marked', () => {
    const def = obj.maps.find((m) => m.origin === 'kconfig')!;
    expect(def.kconfigVars).toEqual([
      { name: 'LINUX_KERNEL_VERSION', offset: 0, size: 4, kind: 'int', signed: true, weak: false },
      { name: 'CONFIG_BPF_JIT', offset: 4, size: 1, kind: 'bool', signed: false, weak: true },
      { name: 'CONFIG_HZ_STR', offset: 5, size: 4, kind: 'chars', signed: false, weak: true },
    ]);
  });

  it('fill the map value little-endian; strings are cut to keep their NUL; missing non-weak ones are listed', () => {
    const r = kconfigImage(obj, new Map([['LINUX_KERNEL_VERSION', '0x060114'], ['CONFIG_BPF_JIT', 'y'], ['CONFIG_HZ_STR', '"1000"']]));
    if (!r.ok) throw new Error(r.error);
    expect([...r.image!]).toEqual([0x14, 0x01, 0x06, 0x00, 1, 0x31, 0x30, 0x30, 0]);
    expect(r.missing).toEqual([]);
    const none = kconfigImage(obj, new Map());
    expect(none.ok && none.missing).toEqual(['LINUX_KERNEL_VERSION']);
    expect(none.ok && [...none.image!]).toEqual(new Array(9).fill(0));
  });

  it('refuse values that do not fit the extern', () => {
    const err = (name: string, value: string) => {
      const r = kconfigImage(obj, new Map([[name, value]]));
      return r.ok ? undefined : r.error;
    };
    expect(err('CONFIG_BPF_JIT', '1')).toBe("kconfig extern 'CONFIG_BPF_JIT': a number value '1' for a bool extern");
    expect(err('CONFIG_HZ_STR', '250')).toBe("kconfig extern 'CONFIG_HZ_STR': a number value '250' for a string extern");
    expect(err('LINUX_KERNEL_VERSION', '"6.1"')).toBe("kconfig extern 'LINUX_KERNEL_VERSION': a string value for a non-string extern");
    expect(err('LINUX_KERNEL_VERSION', '-2147483648')).toBeUndefined();
    expect(err('LINUX_KERNEL_VERSION', '2147483648')).toBe("kconfig extern 'LINUX_KERNEL_VERSION': value 2147483648 does not fit its 4 bytes");
    expect(err('LINUX_KERNEL_VERSION', 'ten')).toBe("kconfig extern 'LINUX_KERNEL_VERSION': 'ten' is not a number");
  });

  it('read a .config: values, "is not set" as n, other lines ignored', () => {
    const m = parseKconfig('#\n# Automatically generated file\nCONFIG_HZ=250\nCONFIG_X="a b"\n# CONFIG_DEBUG is not set\n\n');
    expect([...m]).toEqual([['CONFIG_HZ', '250'], ['CONFIG_X', '"a b"'], ['CONFIG_DEBUG', 'n']]);
  });

  it('LINUX_KERNEL_VERSION of a release: KERNEL_VERSION(a, b, min(c, 255))', () => {
    expect(linuxKernelVersion('6.18.44-fc-v657')).toBe(0x06122c);
    expect(linuxKernelVersion('5.10.300')).toBe(0x050aff);
    expect(linuxKernelVersion('6.1')).toBe(0x060100);
    expect(linuxKernelVersion('linux')).toBeUndefined();
  });
});
