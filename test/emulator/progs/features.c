// Emulator fixture: one small XDP program per helper family, so unit tests can check each
// helper's result, the captured output and the fault records. Not all of these would pass the
// kernel's verifier (oob_read, spin_forever, rx_meta without device binding); the emulator runs them
// anyway and must report what happens.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct { __uint(type, BPF_MAP_TYPE_PROG_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } jumps SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } events SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY); __uint(key_size, 4); __uint(value_size, 4); } perf SEC(".maps");
struct bpf_map;
enum xdp_rss_hash_type { XDP_RSS_TYPE_NONE = 0 };
struct lpm_key { __u32 prefixlen; __u32 addr; };
struct { __uint(type, BPF_MAP_TYPE_LPM_TRIE); __uint(max_entries, 16); __type(key, struct lpm_key); __type(value, __u32); __uint(map_flags, BPF_F_NO_PREALLOC); } routes SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 2); __type(key, __u32); __type(value, __u32); } lru SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_QUEUE); __uint(max_entries, 2); __uint(value_size, 4); } q SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_STACK); __uint(max_entries, 4); __uint(value_size, 4); } st SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } pc SEC(".maps");
struct locked { struct bpf_spin_lock lock; __u32 n; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 3); __type(key, __u32); __type(value, struct locked); } arr SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_DEVMAP_HASH); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } ports SEC(".maps");

SEC("xdp") int tail_target(struct xdp_md *ctx) { return XDP_TX; }

static long add_cb(__u64 i, __u64 *acc)
{
	*acc += i;
	return 0;
}

/* Tail-call target with a callback: the callback's address is a slot of this program. */
SEC("xdp") int tail_loop(struct xdp_md *ctx)
{
	__u64 acc = 0;
	bpf_loop(4, add_cb, &acc, 0);
	return acc == 6 ? XDP_DROP : XDP_ABORTED;
}

SEC("xdp") int tail_entry(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jumps, ctx->rx_queue_index);
	return XDP_PASS;
}

SEC("xdp") int ringbuf_perf(struct xdp_md *ctx)
{
	__u32 *r = bpf_ringbuf_reserve(&events, 4, 0);
	__u64 v = 0x1122334455667788ULL;
	if (r) {
		*r = 0xabcdef01;
		bpf_ringbuf_submit(r, 0);
	}
	bpf_ringbuf_output(&events, &v, sizeof(v), 0);
	bpf_perf_event_output(ctx, &perf, ((__u64)4 << 32) | BPF_F_CURRENT_CPU, &v, 2);
	return XDP_PASS;
}

SEC("xdp") int printk(struct xdp_md *ctx)
{
	char s[] = "hi";
	long n = bpf_printk("len %d q %u %s", (int)(ctx->data_end - ctx->data), ctx->rx_queue_index, s);
	return n == 13 ? XDP_PASS : XDP_DROP;
}

SEC("xdp") int lpm(struct xdp_md *ctx)
{
	struct lpm_key k = { 8, bpf_htonl(0x0a000000) };
	__u32 v = 8, *r;
	bpf_map_update_elem(&routes, &k, &v, 0);
	k.prefixlen = 24; k.addr = bpf_htonl(0x0a010200); v = 24;
	bpf_map_update_elem(&routes, &k, &v, 0);
	k.prefixlen = 32; k.addr = bpf_htonl(0x0a010203);
	r = bpf_map_lookup_elem(&routes, &k);
	if (!r || *r != 24) return XDP_ABORTED;
	k.addr = bpf_htonl(0x0a090909);
	r = bpf_map_lookup_elem(&routes, &k);
	if (!r || *r != 8) return XDP_ABORTED;
	k.addr = bpf_htonl(0x0b000000);
	r = bpf_map_lookup_elem(&routes, &k);
	return r ? XDP_ABORTED : XDP_PASS;
}

SEC("xdp") int lru_queue(struct xdp_md *ctx)
{
	__u32 k, v = 1, out = 0;
	for (k = 1; k <= 3; k++)
		bpf_map_update_elem(&lru, &k, &v, 0);
	k = 1;
	if (bpf_map_lookup_elem(&lru, &k)) return XDP_ABORTED; /* evicted */
	v = 10; bpf_map_push_elem(&q, &v, 0);
	v = 20; bpf_map_push_elem(&q, &v, 0);
	v = 30;
	if (bpf_map_push_elem(&q, &v, 0) != -7) return XDP_ABORTED; /* -E2BIG when full */
	bpf_map_pop_elem(&q, &out);
	if (out != 10) return XDP_ABORTED;
	v = 1; bpf_map_push_elem(&st, &v, 0);
	v = 2; bpf_map_push_elem(&st, &v, 0);
	bpf_map_peek_elem(&st, &out);
	if (out != 2) return XDP_ABORTED;
	bpf_map_pop_elem(&st, &out);
	bpf_map_pop_elem(&st, &out);
	return bpf_map_pop_elem(&st, &out) == -2 ? XDP_PASS : XDP_ABORTED; /* -ENOENT when empty */
}

SEC("xdp") int percpu(struct xdp_md *ctx)
{
	__u32 z = 0;
	__u64 *v = bpf_map_lookup_elem(&pc, &z);
	if (!v) return XDP_ABORTED;
	*v += bpf_get_smp_processor_id() + 1;
	return XDP_PASS;
}

static long visit(struct bpf_map *map, __u32 *key, struct locked *val, __u32 *sum)
{
	*sum += *key;
	return 0;
}

SEC("xdp") int foreach_lock(struct xdp_md *ctx)
{
	__u32 sum = 0, z = 1;
	struct locked *l = bpf_map_lookup_elem(&arr, &z);
	if (!l) return XDP_ABORTED;
	bpf_spin_lock(&l->lock);
	l->n++;
	bpf_spin_unlock(&l->lock);
	return bpf_for_each_map_elem(&arr, visit, &sum, 0) == 3 && sum == 3 ? XDP_PASS : XDP_ABORTED;
}

SEC("xdp") int fib(struct xdp_md *ctx)
{
	struct bpf_fib_lookup p = {};
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	long r;
	if (data + 14 > end) return XDP_DROP;
	p.family = 2;
	p.ipv4_dst = bpf_htonl(0x0a010203);
	p.ifindex = ctx->ingress_ifindex;
	r = bpf_fib_lookup(ctx, &p, sizeof(p), 0);
	if (r != 0) return XDP_DROP;
	__builtin_memcpy(data, p.dmac, 6);
	__builtin_memcpy(data + 6, p.smac, 6);
	return bpf_redirect(p.ifindex, 0);
}

SEC("xdp") int mtu(struct xdp_md *ctx)
{
	__u32 m = 0;
	long r = bpf_check_mtu(ctx, 0, &m, 0, 0);
	return r == 0 && m == 1500 ? XDP_PASS : XDP_DROP;
}

SEC("xdp") int redirect_flags(struct xdp_md *ctx)
{
	__u32 k = 7, v = 9;
	bpf_map_update_elem(&ports, &k, &v, 0);
	if (bpf_redirect(3, 1) != XDP_ABORTED) return XDP_DROP;
	return bpf_redirect_map(&ports, 7, 0);
}

extern int bpf_xdp_metadata_rx_hash(const struct xdp_md *ctx, __u32 *hash, enum xdp_rss_hash_type *rss_type) __ksym;
extern int bpf_xdp_metadata_rx_timestamp(const struct xdp_md *ctx, __u64 *timestamp) __ksym;

SEC("xdp") int rx_meta(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 hash = 0;
	enum xdp_rss_hash_type t = 0;
	__u64 ts = 0;
	if (data + 16 > end) return XDP_DROP;
	*(__s32 *)data = bpf_xdp_metadata_rx_hash(ctx, &hash, &t);
	*(__u32 *)(data + 4) = hash;
	*(__s32 *)(data + 8) = bpf_xdp_metadata_rx_timestamp(ctx, &ts);
	*(__u32 *)(data + 12) = (__u32)ts;
	return XDP_PASS;
}

SEC("xdp") int oob_read(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	return *(volatile __u8 *)(data + 100);
}

SEC("xdp") int spin_forever(struct xdp_md *ctx)
{
	volatile __u32 i = 0;
	while (ctx->rx_queue_index == 0)
		i++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
