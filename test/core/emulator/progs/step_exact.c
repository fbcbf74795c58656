// Fixture for the step-limit sweep (step-limit.test.ts): long straight-line blocks that store to the
// packet, the stack, map values and global data, and blocks that end in helper calls (map update,
// bpf_printk, bpf_loop, bpf_tail_call), bpf-to-bpf calls and atomics, so that a step limit falling
// inside any of them shows whether both tiers stop after the same instructions.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 8); __type(key, __u32); __type(value, __u64); } counts SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PROG_ARRAY); __uint(max_entries, 2); __type(key, __u32); __type(value, __u32); } next SEC(".maps");

__u64 seen = 0;

static __attribute__((noinline)) __u64 mix(__u64 a, __u64 b)
{
	__u64 x = a * 0x9e3779b97f4a7c15ULL;
	x ^= b << 7;
	x += b >> 3;
	return x ^ (x >> 29);
}

static long loop_cb(__u64 i, __u64 *acc)
{
	*acc = mix(*acc, i);
	return 0;
}

SEC("xdp") int stage2(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (p + 16 > end)
		return XDP_DROP;
	p[8] = p[9] + 1;
	p[10] ^= p[11];
	*(volatile __u32 *)(p + 12) = 0xdeadbeef;
	bpf_printk("stage2 %d", p[8]);
	__sync_fetch_and_add(&seen, 1);
	return XDP_TX;
}

SEC("xdp") int stage1(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (p + 16 > end)
		return XDP_DROP;
	p[0] ^= 0xff;
	p[1] += p[2];
	*(volatile __u32 *)(p + 4) = 0x12345678;
	__u32 k = p[3] & 7;
	__u64 one = 1, *v = bpf_map_lookup_elem(&counts, &k);
	if (v)
		__sync_fetch_and_add(v, 5);
	else
		bpf_map_update_elem(&counts, &k, &one, BPF_ANY);
	__u64 acc = p[0];
	bpf_loop(3, loop_cb, &acc, 0);
	for (int i = 0; i < 4; i++)
		acc = mix(acc, p[i]);
	__sync_fetch_and_add(&seen, acc);
	k = 7;
	bpf_map_update_elem(&counts, &k, &acc, BPF_ANY);
	bpf_printk("acc %llx", acc);
	p[2] = acc;
	bpf_tail_call(ctx, &next, 0);
	return XDP_PASS;
}

/* A long loop whose body is several blocks with stores, for polls (every 65536 steps) and cancellation. */
SEC("xdp") int spin(struct xdp_md *ctx)
{
	volatile __u64 buf[4] = {};
	__u64 acc = ctx->rx_queue_index;
	for (__u32 i = 0; i < 100000; i++) {
		buf[i & 3] += acc;
		acc = acc * 31 + buf[(i + 1) & 3];
		if (acc & 1)
			buf[2] ^= i;
	}
	return acc & 3;
}

char _license[] SEC("license") = "GPL";
