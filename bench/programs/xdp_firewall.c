// Benchmark program: a stateless XDP firewall and load balancer, written to exercise the
// verifier the way real parsers do. It parses up to two VLAN tags, IPv4 with options, IPv6 with
// extension headers, TCP with its options (a bounded loop the verifier walks option by option)
// and UDP, looks up rules and backends in maps, and rewrites headers. Used by `npm run bench`
// (verifier time vs the kernel's, emulator speed, editor latency); not an example to copy.
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

struct rule_key {
	__u32 proto;
	__u32 port;
};

struct rule {
	__u32 action; /* 0 pass, 1 drop, 2 balance */
	__u32 backends;
	__u64 hits;
};

struct backend {
	__u8 mac[ETH_ALEN];
	__u16 pad;
	__u32 addr;
};

struct stats {
	__u64 packets[8];
	__u64 bytes;
	__u64 tcp_mss_seen;
	__u64 tcp_wscale_seen;
	__u64 tcp_sack_seen;
	__u64 tcp_ts_seen;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct rule_key);
	__type(value, struct rule);
} rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct backend);
} backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stats);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} blocked_src SEC(".maps");

#define MAX_TCP_OPTS 3
#define MAX_IPV6_EXT 2

static __always_inline void count(struct stats *s, __u32 what, __u64 len)
{
	if (s && what < 8) {
		s->packets[what]++;
		s->bytes += len;
	}
}

static __always_inline int parse_tcp_options(struct tcphdr *tcp, void *data_end, struct stats *s)
{
	__u8 *opt = (__u8 *)(tcp + 1);
	__u32 doff = tcp->doff * 4;
	__u8 *end = (__u8 *)tcp + doff;
	int mss = 0;

	if (doff < sizeof(*tcp) || (void *)end > data_end)
		return -1;
#pragma unroll
	for (int i = 0; i < MAX_TCP_OPTS; i++) {
		if (opt + 1 > end || (void *)(opt + 1) > data_end)
			break;
		__u8 kind = opt[0];
		if (kind == 0)
			break;
		if (kind == 1) {
			opt++;
			continue;
		}
		if ((void *)(opt + 2) > data_end)
			break;
		__u8 len = opt[1];
		if (len < 2)
			return -1;
		if (kind == 2 && len == 4 && (void *)(opt + 4) <= data_end) {
			mss = (opt[2] << 8) | opt[3];
			if (s)
				s->tcp_mss_seen++;
		} else if (kind == 3 && len == 3) {
			if (s)
				s->tcp_wscale_seen++;
		} else if (kind == 4 || kind == 5) {
			if (s)
				s->tcp_sack_seen++;
		} else if (kind == 8 && len == 10) {
			if (s)
				s->tcp_ts_seen++;
		}
		opt += len;
	}
	return mss;
}

static __always_inline int ipv4_options_ok(struct iphdr *ip, void *data_end)
{
	__u8 *opt = (__u8 *)(ip + 1);
	__u32 ihl = ip->ihl * 4;
	__u8 *end = (__u8 *)ip + ihl;

	if (ihl < sizeof(*ip) || (void *)end > data_end)
		return 0;
#pragma unroll
	for (int i = 0; i < 3; i++) {
		if (opt + 1 > end || (void *)(opt + 1) > data_end)
			return 1;
		__u8 type = opt[0];
		if (type == 0)
			return 1;
		if (type == 1) {
			opt++;
			continue;
		}
		if ((void *)(opt + 2) > data_end)
			return 0;
		if (type == 0x44 || type == 0x83 || type == 0x89) /* timestamp, LSRR, SSRR */
			return 0;
		if (opt[1] < 2)
			return 0;
		opt += opt[1];
	}
	return 1;
}

static __always_inline int balance(struct ethhdr *eth, struct rule *r, __u32 hash)
{
	__u32 n = r->backends;
	if (n == 0 || n > 64)
		return XDP_DROP;
	__u32 idx = hash % n;
	struct backend *b = bpf_map_lookup_elem(&backends, &idx);
	if (!b)
		return XDP_PASS;
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, b->mac, ETH_ALEN);
	return XDP_TX;
}

static __always_inline int l4(struct ethhdr *eth, void *l4hdr, __u8 proto, __u32 src, void *data_end, struct stats *s)
{
	struct rule_key key = { .proto = proto };
	__u32 hash = src;

	if (proto == IPPROTO_TCP) {
		struct tcphdr *tcp = l4hdr;
		if ((void *)(tcp + 1) > data_end)
			return XDP_DROP;
		if (tcp->syn && !tcp->ack) {
			int mss = parse_tcp_options(tcp, data_end, s);
			if (mss < 0 || (mss > 0 && mss < 536))
				return XDP_DROP;
		}
		key.port = bpf_ntohs(tcp->dest);
		hash ^= ((__u32)tcp->source << 16) | tcp->dest;
		count(s, 3, 0);
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *udp = l4hdr;
		if ((void *)(udp + 1) > data_end)
			return XDP_DROP;
		if (bpf_ntohs(udp->len) < sizeof(*udp))
			return XDP_DROP;
		key.port = bpf_ntohs(udp->dest);
		hash ^= ((__u32)udp->source << 16) | udp->dest;
		count(s, 4, 0);
	} else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		count(s, 5, 0);
		return XDP_PASS;
	} else {
		return XDP_PASS;
	}

	struct rule *r = bpf_map_lookup_elem(&rules, &key);
	if (!r)
		return XDP_PASS;
	__sync_fetch_and_add(&r->hits, 1);
	if (r->action == 1)
		return XDP_DROP;
	if (r->action == 2)
		return balance(eth, r, hash);
	return XDP_PASS;
}

SEC("xdp")
int xdp_firewall(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 zero = 0;
	struct stats *s = bpf_map_lookup_elem(&counters, &zero);
	void *cur;
	__u16 proto;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	count(s, 0, (__u64)(data_end - data));
	proto = eth->h_proto;
	cur = eth + 1;

#pragma unroll
	for (int i = 0; i < 2; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		struct vlan_hdr *vlan = cur;
		if ((void *)(vlan + 1) > data_end)
			return XDP_DROP;
		proto = vlan->proto;
		cur = vlan + 1;
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = cur;
		if ((void *)(ip + 1) > data_end)
			return XDP_DROP;
		if (ip->version != 4)
			return XDP_DROP;
		if (bpf_map_lookup_elem(&blocked_src, &ip->saddr))
			return XDP_DROP;
		if (ip->ihl > 5 && !ipv4_options_ok(ip, data_end))
			return XDP_DROP;
		if (ip->frag_off & bpf_htons(0x3fff))
			return XDP_PASS;
		count(s, 1, 0);
		__u32 ihl = ip->ihl * 4;
		if (ihl < sizeof(*ip) || ihl > 60)
			return XDP_DROP;
		return l4(eth, (void *)ip + ihl, ip->protocol, ip->saddr, data_end, s);
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = cur;
		if ((void *)(ip6 + 1) > data_end)
			return XDP_DROP;
		__u8 next = ip6->nexthdr;
		void *hdr = ip6 + 1;
		count(s, 2, 0);
#pragma unroll
		for (int i = 0; i < MAX_IPV6_EXT; i++) {
			if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING && next != IPPROTO_DSTOPTS)
				break;
			struct ipv6_opt_hdr *ext = hdr;
			if ((void *)(ext + 1) > data_end)
				return XDP_DROP;
			next = ext->nexthdr;
			hdr = (void *)ext + (ext->hdrlen + 1) * 8;
		}
		return l4(eth, hdr, next, ip6->saddr.in6_u.u6_addr32[3], data_end, s);
	}
	if (proto == bpf_htons(ETH_P_ARP))
		return XDP_PASS;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
