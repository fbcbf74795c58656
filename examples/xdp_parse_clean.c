// xdp_parse_clean.c — a clean Ethernet → IPv4 → UDP parser.
//
// What it demonstrates: every packet access is preceded by a comparison with data_end, the IPv4
// header length comes from the packet but is range-checked before use, and every path returns a
// valid XDP action. The verifier accepts it and `xdp-check check` reports no errors for any driver.
// It drops UDP datagrams to the discard port (9) and passes everything else.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define DISCARD_PORT 9

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} dropped SEC(".maps");

SEC("xdp")
int xdp_parse(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;

	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;
	if (ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	/* ihl counts 32-bit words; below 5 the header is malformed. */
	__u32 ihl = ip->ihl * 4;
	if (ihl < sizeof(*ip))
		return XDP_DROP;

	struct udphdr *udp = (void *)ip + ihl;
	if ((void *)(udp + 1) > data_end)
		return XDP_PASS;
	if (udp->dest != bpf_htons(DISCARD_PORT))
		return XDP_PASS;

	__u32 key = 0;
	__u64 *count = bpf_map_lookup_elem(&dropped, &key);
	if (count)
		*count += 1;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
