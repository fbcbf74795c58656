// bpf_trace_printk formatting: the conversions bpf_bprintf_prepare accepts (kernel/bpf/helpers.c,
// Linux 6.12): %d %i %u %x %X %c %s %p (with %pK/%px printed as hex) and %%, with optional l/ll
// length, '-'/'0' flags and a width. Integer arguments without `l` are 32-bit. Returns the text, or
// undefined when the format is one the kernel refuses (the helper then returns -EINVAL).

export interface PrintkArg {
  readonly value: bigint;
  /** Reads a NUL-terminated string at the argument's address (for %s); undefined on a bad pointer. */
  readonly str: () => string | undefined;
}

export function formatPrintk(fmt: string, args: readonly PrintkArg[]): string | undefined {
  let out = '';
  let ai = 0;
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i];
    if (ch !== '%') {
      out += ch;
      continue;
    }
    i++;
    if (fmt[i] === '%') { out += '%'; continue; }
    let flags = '';
    while (fmt[i] === '-' || fmt[i] === '0' || fmt[i] === '+' || fmt[i] === ' ') flags += fmt[i++];
    let width = 0;
    while (fmt[i] >= '0' && fmt[i] <= '9') width = width * 10 + (fmt.charCodeAt(i++) - 48);
    let len = 0;
    while (fmt[i] === 'l') { len++; i++; }
    if (fmt[i] === 'h') { i++; if (fmt[i] === 'h') i++; }
    const conv = fmt[i];
    if (conv === undefined) return undefined;
    if (ai >= args.length) return undefined;
    const a = args[ai++];
    let s: string;
    const wide = len > 0;
    switch (conv) {
      case 'd': case 'i':
        s = (wide ? BigInt.asIntN(64, a.value) : BigInt.asIntN(32, a.value)).toString();
        break;
      case 'u':
        s = (wide ? BigInt.asUintN(64, a.value) : BigInt.asUintN(32, a.value)).toString();
        break;
      case 'x': case 'X':
        s = (wide ? BigInt.asUintN(64, a.value) : BigInt.asUintN(32, a.value)).toString(16);
        if (conv === 'X') s = s.toUpperCase();
        break;
      case 'c':
        s = String.fromCharCode(Number(a.value & 0xffn));
        break;
      case 's': {
        const t = a.str();
        // The kernel prints "(efault)" when the string cannot be read.
        s = t ?? '(efault)';
        break;
      }
      case 'p': {
        if (fmt[i + 1] === 'K' || fmt[i + 1] === 'x' || fmt[i + 1] === 's' || fmt[i + 1] === 'B') i++;
        s = BigInt.asUintN(64, a.value).toString(16).padStart(16, '0');
        break;
      }
      default:
        return undefined;
    }
    if (s.length < width) {
      if (flags.includes('-')) s = s.padEnd(width, ' ');
      else if (flags.includes('0') && conv !== 's' && conv !== 'c') {
        const neg = s.startsWith('-');
        s = (neg ? '-' : '') + (neg ? s.slice(1) : s).padStart(width - (neg ? 1 : 0), '0');
      } else s = s.padStart(width, ' ');
    }
    out += s;
  }
  return out;
}
