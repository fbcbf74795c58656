// Hover markdown from a finding's data, rendered generically: scalars as bold labels, lists of
// records as tables, the explanation and fix as prose. The finding is hand-built in the shape the
// XDP analyses produce for a capability finding (data.driversWith rows of { id, note }).
import { describe, expect, it } from 'vitest';
import { findingMarkdown, hover } from '../../server/src/lsp/hover';
import type { Finding } from '../../server/src/core/diagnostics/finding';

const capability: Finding = {
  code: 'xdp/return-unsupported',
  severity: 'error',
  message: 'XDP_REDIRECT (4) is reachable but nfp-offload does not handle it',
  range: { start: { line: 12, column: 9 }, end: { line: 12, column: 21 } },
  related: [{ message: 'driver profile: nfp-offload', range: { start: { line: 12, column: 9 }, end: { line: 12, column: 21 } } }],
  data: {
    capability: 'action:redirect',
    value: 4,
    driversWith: [
      { id: 'mlx5_core', note: 'XDP since 4.9' },
      { id: 'i40e', note: 'XDP since 4.13' },
    ],
    explanation: 'The packet is dropped as XDP_ABORTED at run time.',
    howToFix: 'Select a driver that redirects, or avoid XDP_REDIRECT on this path.',
    fixes: [{ title: 'x', edits: [] }],
  },
};

describe('finding hover', () => {
  it('renders code, summary, explanation, data table, fix, related and the doc link', () => {
    const md = findingMarkdown(capability);
    expect(md.split('\n\n')[0]).toBe('**xdp/return-unsupported** — XDP\\_REDIRECT (4) is reachable but nfp-offload does not handle it');
    expect(md).toContain('*a reachable XDP action the selected driver does not handle*');
    expect(md).toContain('The packet is dropped as XDP\\_ABORTED at run time.');
    expect(md).toContain('**Capability:** action:redirect');
    expect(md).toContain('**Drivers with**\n\n| Id | Note |\n| --- | --- |\n| mlx5\\_core | XDP since 4.9 |\n| i40e | XDP since 4.13 |');
    expect(md).toContain('**How to fix:** Select a driver that redirects');
    expect(md).toContain('- driver profile: nfp-offload (line 12)');
    expect(md).not.toContain('"title"');
    expect(md).toMatch(/\[xdp\/return-unsupported documentation\]\(https:\/\/.*codes\.md#/);
  });
});

describe('kfunc hover', () => {
  const md = (word: string): string => {
    const h = hover({ report: undefined, at: { line: 1, column: 1 }, word, isReturnLine: false });
    return (h!.contents as { value: string }).value;
  };

  it('names the structs of a flow-table lookup, says it may return NULL and that its pointers must be trusted', () => {
    const m = md('bpf_xdp_flow_lookup');
    expect(m).toContain(
      '`struct flow_offload_tuple_rhash * /* or NULL */ bpf_xdp_flow_lookup(struct xdp_md *ctx, struct bpf_fib_lookup * /* 64 bytes */, struct bpf_flowtable_opts * /* 4 bytes */, u64)`',
    );
    expect(m).toContain('Returns NULL when there is nothing to return');
    expect(m).toContain('(KF_TRUSTED_ARGS)');
    expect(m).toMatch(/Available since Linux 6\.11/);
  });

  it('a kfunc returning an integer carries neither note', () => {
    const m = md('bpf_dynptr_size');
    expect(m).toMatch(/^\*\*kfunc bpf_dynptr_size\*\*/);
    expect(m).not.toContain('Returns NULL');
    expect(m).not.toContain('KF_TRUSTED_ARGS');
  });
});

describe('helper hover', () => {
  it('shows the lock argument of bpf_spin_lock by its type', () => {
    const h = hover({ report: undefined, at: { line: 1, column: 1 }, word: 'bpf_spin_lock', isReturnLine: false });
    expect((h!.contents as { value: string }).value).toContain('`void bpf_spin_lock(struct bpf_spin_lock *lock)`');
  });
});
