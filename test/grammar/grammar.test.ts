// Grammar tests with the real TextMate engine: each line of BPF assembly or XDP C is tokenised
// and the scope of a token checked by its text (rust-analyzer style: data at a boundary).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IGrammar } from 'vscode-textmate';
import { injectionGrammar } from './injectionGrammar';
import { loadGrammar, scopeOf } from './support';

const INJECTION = join(__dirname, '..', '..', 'syntaxes', 'xdp-c.injection.tmLanguage.json');

describe('injection grammar file', () => {
  it('is generated from the helper and kfunc tables (golden: UPDATE_GOLDEN=1 rewrites it)', () => {
    const expected = JSON.stringify(injectionGrammar(), null, 2) + '\n';
    if (!existsSync(INJECTION) || process.env.UPDATE_GOLDEN === '1') writeFileSync(INJECTION, expected);
    expect(readFileSync(INJECTION, 'utf8')).toBe(expected);
  });
});

// [line, token, expected innermost scope]
const DISASM: [string, string, string][] = [
  ['   0: r2 = *(u32 *)(r1 + 4)', '0', 'constant.numeric.insn-index.xdp-disasm'],
  ['   0: r2 = *(u32 *)(r1 + 4)', 'r2', 'variable.other.register.xdp-disasm'],
  ['   0: r2 = *(u32 *)(r1 + 4)', 'u32', 'storage.type.size.xdp-disasm'],
  ['   0: r2 = *(u32 *)(r1 + 4)', '4', 'constant.numeric.decimal.xdp-disasm'],
  ['   5: if r3 > r2 goto +21', 'if', 'keyword.control.xdp-disasm'],
  ['   5: if r3 > r2 goto +21', 'goto', 'keyword.control.xdp-disasm'],
  ['   5: if r3 > r2 goto +21', '+21', 'constant.numeric.decimal.xdp-disasm'],
  ['   5: if r3 > r2 goto +21', '>', 'keyword.operator.xdp-disasm'],
  ['   7: call 44 // bpf_xdp_adjust_head', 'call', 'keyword.control.xdp-disasm'],
  ['   7: call 44 // bpf_xdp_adjust_head', '44', 'constant.numeric.decimal.xdp-disasm'],
  ['   7: call 44 // bpf_xdp_adjust_head', 'bpf_xdp_adjust_head', 'support.function.bpf-helper.xdp-disasm'],
  ['   8: r1 = 0 ll', 'll', 'storage.modifier.wide.xdp-disasm'],
  ['   9: w0 s>>= 3', 'w0', 'variable.other.register.xdp-disasm'],
  ['   9: w0 s>>= 3', 's>>=', 'keyword.operator.xdp-disasm'],
  ['  10: exit', 'exit', 'keyword.control.xdp-disasm'],
  ['      28:\tr1 = 0x10 ll', '0x10', 'constant.numeric.hex.xdp-disasm'],
  ['; if (data + sizeof(*eth) > data_end)  @ prog.c:12', 'prog.c', 'entity.name.filename.xdp-disasm'],
  ['; if (data + sizeof(*eth) > data_end)  @ prog.c:12', '12', 'constant.numeric.line-number.xdp-disasm'],
  ['; if (data + sizeof(*eth) > data_end)  @ prog.c:12', 'data_end', 'meta.embedded.source-text.xdp-disasm'],
  ['xdp_prog (section xdp, 12 instructions):', 'xdp_prog', 'entity.name.function.xdp-disasm'],
  ['xdp_prog (section xdp, 12 instructions):', 'xdp,', 'entity.name.section.xdp-disasm'],
  ['0000000000000000 <xdp_prog>:', 'xdp_prog', 'entity.name.function.xdp-disasm'],
  ['parse_eth:', 'parse_eth', 'entity.name.function.xdp-disasm'],
  // Verifier log lines.
  ['0: R1=ctx() R10=fp0', 'R1', 'variable.other.register.state.xdp-disasm'],
  ['0: R1=ctx() R10=fp0', 'ctx()', 'string.unquoted.state-value.xdp-disasm'],
  ['2: (bf) r3 = r2                       ; R2_w=pkt(r=0) R3_w=pkt(r=0)', '_w', 'storage.modifier.liveness.xdp-disasm'],
  ['from 4 to 7: R0=scalar() R10=fp0', 'from', 'keyword.other.verifier.xdp-disasm'],
  ['from 4 to 7: R0=scalar() R10=fp0', '7', 'constant.numeric.insn-index.xdp-disasm'],
  ['processed 12 insns (limit 1000000) max_states_per_insn 0 total_states 1', '1000000', 'constant.numeric.decimal.xdp-disasm'],
  ['   3: <unknown>', '<unknown>', 'invalid.illegal.unknown-insn.xdp-disasm'],
];

const XDP_C: [string, string, string][] = [
  ['SEC("xdp")', 'SEC', 'support.function.macro.section.xdp'],
  ['SEC("xdp")', 'xdp', 'entity.name.section.xdp'],
  ['SEC("xdp.frags")', 'xdp.frags', 'entity.name.section.xdp'],
  ['\treturn XDP_PASS;', 'XDP_PASS', 'constant.language.xdp-action.xdp'],
  ['\treturn XDP_REDIRECT;', 'XDP_REDIRECT', 'constant.language.xdp-action.xdp'],
  ['\tif (bpf_xdp_adjust_head(ctx, -4))', 'bpf_xdp_adjust_head', 'support.function.bpf-helper.xdp'],
  ['\tv = bpf_map_lookup_elem(&m, &k);', 'bpf_map_lookup_elem', 'support.function.bpf-helper.xdp'],
  ['\tbpf_xdp_metadata_rx_hash(ctx, &h, &t);', 'bpf_xdp_metadata_rx_hash', 'support.function.kfunc.xdp'],
];

describe('disassembly / verifier log grammar', () => {
  let g: IGrammar;
  beforeAll(async () => {
    g = await loadGrammar('source.xdp-disasm');
  });
  it.each(DISASM)('%s: %s is %s', (line, token, scope) => {
    expect(scopeOf(g, line, token).at(-1)).toBe(scope);
  });
  it('does not take a register-like word inside a source comment for a register', () => {
    expect(scopeOf(g, '; r2 = foo(r1);  @ a.c:3', 'r2').at(-1)).toBe('meta.embedded.source-text.xdp-disasm');
  });
});

describe('XDP C injection grammar', () => {
  let g: IGrammar;
  beforeAll(async () => {
    g = await loadGrammar('source.c');
  });
  it.each(XDP_C)('%s: %s is %s', (line, token, scope) => {
    expect(scopeOf(g, line, token).at(-1)).toBe(scope);
  });
  it('leaves comments, strings and look-alike names alone', () => {
    expect(scopeOf(g, '// returns XDP_PASS', 'XDP_PASS').at(-1)).toBe('comment.line.double-slash.c');
    expect(scopeOf(g, 'char *s = "XDP_DROP";', 'XDP_DROP').at(-1)).toBe('string.quoted.double.c');
    expect(scopeOf(g, 'int my_bpf_xdp_adjust_head_count;', 'bpf_xdp').at(-1)).toBe('source.c');
    expect(scopeOf(g, 'XDP_PASSED = 1;', 'XDP_PASSED').at(-1)).toBe('source.c');
  });
});
