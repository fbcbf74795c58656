// xdp_invalid_action.c — returns a value that is not an XDP action on one path.
//
// What it demonstrates: the ICMP path returns 7 (meant as a "bounce" action that does not
// exist). The kernel verifier does not check XDP return values, so this loads fine; at run time
// drivers treat an unknown action as XDP_ABORTED: they warn once (bpf_warn_invalid_xdp_action,
// net/core/filter.c, Linux 6.12) and drop the packet. xdp-check reports xdp/return-invalid on the
// `return XDP_BOUNCE` line.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define XDP_BOUNCE 7 /* not an XDP action: enum xdp_action ends at XDP_REDIRECT (4) */

SEC("xdp")
int xdp_bounce_icmp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;

	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return XDP_DROP;
	if (ip->protocol == IPPROTO_ICMP)
		return XDP_BOUNCE;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
