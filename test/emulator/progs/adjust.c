// Emulator fixture: packet-moving helpers driven by packet bytes, so that random packets reach
// both the success and the failure paths; each program records the helper's return value in the
// packet so data_out shows it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_head(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__s8 delta;
	long r;

	if (data + 16 > data_end)
		return XDP_DROP;
	delta = *(__s8 *)(data + 15);
	r = bpf_xdp_adjust_head(ctx, (int)delta * 4);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + 4 > data_end)
		return XDP_ABORTED;
	*(__s32 *)data = (__s32)r;
	return r ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int xdp_tail(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__s16 delta;
	long r;

	if (data + 16 > data_end)
		return XDP_DROP;
	delta = *(__s16 *)(data + 14);
	r = bpf_xdp_adjust_tail(ctx, delta);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + 8 > data_end)
		return XDP_ABORTED;
	*(__s32 *)data = (__s32)r;
	*(__u32 *)(data + 4) = bpf_xdp_get_buff_len(ctx);
	return r ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int xdp_meta(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 want;
	long r;

	if (data + 16 > data_end)
		return XDP_DROP;
	want = *(__u8 *)(data + 15);
	r = bpf_xdp_adjust_meta(ctx, -(int)(want & 0x3f));
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + 4 > data_end)
		return XDP_ABORTED;
	*(__s32 *)data = (__s32)r;
	if (r == 0) {
		void *meta = (void *)(long)ctx->data_meta;
		if (meta + 4 <= data)
			*(__u32 *)meta = 0xdeadbeef;
	}
	return XDP_PASS;
}

SEC("xdp")
int xdp_csum(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__s64 c;

	if (data + 40 > data_end)
		return XDP_DROP;
	c = bpf_csum_diff((__be32 *)(data + 8), 8, (__be32 *)(data + 16), 16, *(__u32 *)(data + 4));
	*(__s64 *)(data + 32) = c;
	return XDP_PASS;
}

static long sum_cb(__u64 i, void *ctx)
{
	__u64 *acc = ctx;
	*acc += i * 3;
	return *acc > 1000;
}

struct loop_ctx { __u64 acc; };

SEC("xdp")
int xdp_loop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 acc = 0;
	long n;

	if (data + 24 > data_end)
		return XDP_DROP;
	n = bpf_loop(*(__u8 *)(data + 14), sum_cb, &acc, 0);
	*(__u64 *)(data + 8) = acc;
	*(__s64 *)(data + 16) = n;
	return XDP_PASS;
}

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} ports SEC(".maps");

SEC("xdp")
int xdp_redir(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (data + 16 > data_end)
		return XDP_DROP;
	/* Empty devmap: the low two bits of flags come back; other flags abort. */
	return bpf_redirect_map(&ports, *(__u8 *)(data + 14) & 7, *(__u8 *)(data + 15) & 0x1f);
}

char LICENSE[] SEC("license") = "GPL";
