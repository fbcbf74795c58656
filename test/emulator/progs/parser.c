// Emulator fixture: a realistic parser (Ethernet, 802.1Q, IPv4 with options, IPv6, TCP, UDP, ARP)
// that counts protocols in maps, answers UDP echo with XDP_TX after swapping addresses, pops VLAN
// tags with bpf_xdp_adjust_head and drops TCP to port 23. Used by the kernel differential test and
// the benchmark.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} proto_count SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} src_bytes SEC(".maps");

static __always_inline void count(__u32 k)
{
	__u64 *v = bpf_map_lookup_elem(&proto_count, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline void swap_mac(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];
	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

SEC("xdp")
int xdp_parser(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u16 proto;
	__u64 off;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	proto = eth->h_proto;
	off = sizeof(*eth);
	if (proto == bpf_htons(ETH_P_8021Q)) {
		struct vlan_hdr *vh = data + off;
		if ((void *)(vh + 1) > data_end)
			return XDP_DROP;
		proto = vh->proto;
		count(5);
		/* Pop the tag: move the MAC addresses forward by 4 bytes, then drop the front. */
		__builtin_memmove(data + 4, data, 12);
		if (bpf_xdp_adjust_head(ctx, 4))
			return XDP_ABORTED;
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		eth = data;
		if ((void *)(eth + 1) > data_end)
			return XDP_DROP;
		off = sizeof(*eth);
	}
	if (proto == bpf_htons(ETH_P_ARP)) {
		count(4);
		return XDP_PASS;
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data + off;
		__u32 ihl;
		if ((void *)(ip + 1) > data_end)
			return XDP_DROP;
		ihl = ip->ihl * 4;
		if (ihl < sizeof(*ip))
			return XDP_DROP;
		count(0);
		{
			__u32 saddr = ip->saddr;
			__u64 len = bpf_ntohs(ip->tot_len), *b = bpf_map_lookup_elem(&src_bytes, &saddr);
			if (b)
				*b += len;
			else
				bpf_map_update_elem(&src_bytes, &saddr, &len, BPF_NOEXIST);
		}
		off += ihl;
		if (off > 200)
			return XDP_DROP;
		if (ip->protocol == IPPROTO_UDP) {
			struct udphdr *udp = data + off;
			if ((void *)(udp + 1) > data_end)
				return XDP_DROP;
			count(2);
			if (udp->dest == bpf_htons(7)) {
				__u32 a = ip->saddr;
				__be16 p = udp->source;
				ip->saddr = ip->daddr;
				ip->daddr = a;
				udp->source = udp->dest;
				udp->dest = p;
				udp->check = 0;
				swap_mac(eth);
				return XDP_TX;
			}
			return XDP_PASS;
		}
		if (ip->protocol == IPPROTO_TCP) {
			struct tcphdr *tcp = data + off;
			if ((void *)(tcp + 1) > data_end)
				return XDP_DROP;
			count(1);
			if (tcp->dest == bpf_htons(23))
				return XDP_DROP;
			return XDP_PASS;
		}
		return XDP_PASS;
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + off;
		if ((void *)(ip6 + 1) > data_end)
			return XDP_DROP;
		count(3);
		if (ip6->nexthdr == IPPROTO_UDP) {
			struct udphdr *udp = (void *)(ip6 + 1);
			if ((void *)(udp + 1) > data_end)
				return XDP_DROP;
			return udp->dest == bpf_htons(53) ? XDP_DROP : XDP_PASS;
		}
		return XDP_PASS;
	}
	count(6);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
