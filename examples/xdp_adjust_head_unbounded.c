// xdp_adjust_head_unbounded.c — pushes an encapsulation header whose length comes from a map.
//
// What it demonstrates: bpf_xdp_adjust_head(ctx, -len) with `len` read from a map value and never
// checked. The kernel verifier accepts this (the helper checks the delta only at run time, and
// fails when it exceeds the headroom the driver reserved), so the program silently stops
// encapsulating on drivers with little headroom: i40e, ixgbe and igb reserve 192 bytes
// (i40e_skb_pad() in drivers/net/ethernet/intel/i40e/i40e_txrx.h, Linux 6.12), ixgbevf 64
// (IXGBEVF_SKB_PAD), and 40 of those hold struct xdp_frame (bpf_xdp_adjust_head, net/core/filter.c).
// xdp-check reports xdp/adjust-head-unbounded and names the bound that suits the selected driver.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

struct encap_config {
	__u32 len;     /* bytes of outer header to push */
	__u8 outer[64]; /* the header bytes; only the first 14 are written here */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct encap_config);
} encap SEC(".maps");

SEC("xdp")
int xdp_encap(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct encap_config *cfg = bpf_map_lookup_elem(&encap, &key);
	if (!cfg)
		return XDP_PASS;

	/* BUG: cfg->len is whatever user space wrote; nothing bounds it. */
	if (bpf_xdp_adjust_head(ctx, -(int)cfg->len))
		return XDP_ABORTED;

	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *outer = data;
	if ((void *)(outer + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(outer, cfg->outer, sizeof(*outer));
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
