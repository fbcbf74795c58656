// xdp_verifier_reject.c — reads the IPv4 header without checking it against data_end.
//
// What it demonstrates: the Ethernet header is bounds-checked, but the program then reads
// ip->protocol without a `(void *)(ip + 1) > data_end` test. The kernel verifier rejects the
// program ("invalid access to packet"); xdp-check reports bpf/pkt-bounds on the line that reads
// the field, with the range the verifier had proven at that point.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_drop_tcp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;

	struct iphdr *ip = (void *)(eth + 1);
	/* BUG: missing `if ((void *)(ip + 1) > data_end) return XDP_PASS;` */
	if (ip->protocol == IPPROTO_TCP)
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
