import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EM_BPF, ShFlag, ShType, SymType, parseElf } from '../../../server/src/core/elf/elf';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'loader');
const basic = new Uint8Array(readFileSync(join(FIXTURES, 'basic.o')));
const shoff = Number(new DataView(basic.buffer, basic.byteOffset).getBigUint64(40, true));

describe('parseElf', () => {
  it('reads sections, symbols and relocations of a clang-built object', () => {
    const r = parseElf(basic);
    if (!r.ok) throw new Error(r.error.message);
    const elf = r.value;
    expect(elf.machine).toBe(EM_BPF);
    const xdp = elf.sectionByName('xdp')!;
    expect(xdp.type).toBe(ShType.PROGBITS);
    expect(xdp.flags & ShFlag.EXECINSTR).toBeTruthy();
    expect(xdp.size).toBe(xdp.data.length);
    expect(xdp.size % 8).toBe(0);
    expect(elf.sectionByName('.BTF')).toBeDefined();
    expect(elf.sectionByName('.BTF.ext')).toBeDefined();
    const sym = elf.symbols.find((s) => s.name === 'xdp_count')!;
    expect(sym.type).toBe(SymType.FUNC);
    expect(sym.shndx).toBe(xdp.index);
    expect(sym.size).toBe(xdp.size);
    const text = elf.sectionByName('.text')!;
    const bump = elf.symbols.find((s) => s.name === 'bump')!;
    expect(bump.shndx).toBe(text.index);
    // The xdp section has one relocation: the call to bump through the .text section symbol.
    const relos = elf.relocations.get(xdp.index)!;
    expect(relos).toHaveLength(1);
    expect(relos[0]!.offset).toBe(4 * 8);
    expect(elf.symbols[relos[0]!.symbol]!.type).toBe(SymType.SECTION);
    // .text: the map reference `r1 = counters ll` at slot 3.
    const trel = elf.relocations.get(text.index)!;
    expect(trel.map((x) => [x.offset, elf.symbols[x.symbol]!.name])).toEqual([[24, 'counters']]);
  });

  const patched = (edit: (b: Uint8Array, v: DataView) => void): Uint8Array => {
    const b = basic.slice();
    edit(b, new DataView(b.buffer));
    return b;
  };

  it.each([
    ['empty input', new Uint8Array(0), 0, /not an ELF file/],
    ['text file', new TextEncoder().encode('hello world'), 0, /not an ELF file/],
    ['ELFCLASS32', patched((b) => (b[4] = 1)), 4, /ELFCLASS32/],
    ['big-endian', patched((b) => (b[5] = 2)), 5, /big-endian BPF objects are not supported: recompile with -target bpf or bpfel/],
    ['x86-64 object', patched((_b, v) => v.setUint16(18, 62, true)), 18, /e_machine is 62 \(x86-64\)/],
    ['truncated header', basic.subarray(0, 40), 40, /truncated ELF header/],
    ['truncated section table', basic.subarray(0, basic.length - 100), shoff, /truncated section header table/],
  ] as const)('refuses %s with offset', (_name, bytes, offset, msg) => {
    const r = parseElf(bytes);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.stage).toBe('elf');
    expect(r.error.where).toBe('file');
    expect(r.error.message).toMatch(msg);
    expect(r.error.offset).toBe(offset);
  });

  it('refuses a section whose data runs past the end of the file', () => {
    const b = patched((_b, v) => v.setUint32(shoff + 4 * 64 + 32, 0xffffff, true)); // section 4 (xdp) size
    const r = parseElf(b);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toMatch(/section 4: data .* past the end of the file/);
      expect(r.error.offset).toBe(shoff + 4 * 64 + 24);
    }
  });
});
