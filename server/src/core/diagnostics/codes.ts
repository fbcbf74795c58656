// Stable finding codes. These are a contract with users and scripts (CLI JSON, SARIF, LSP
// `code`): add new ones, never rename or reuse one. Each has a documentation anchor in
// docs/codes.md (the LSP's codeDescription link points there).

export interface CodeInfo {
  readonly code: string;
  readonly summary: string;
}

function table<T extends Record<string, string>>(rows: T): { readonly [K in keyof T]: CodeInfo } {
  const out: Record<string, CodeInfo> = {};
  for (const [code, summary] of Object.entries(rows)) out[code] = { code, summary };
  return out as { readonly [K in keyof T]: CodeInfo };
}

/** Verifier rejections: one code per kind of violation (kernel wording in each finding's message). */
export const BpfCodes = table({
  'bpf/pkt-bounds': 'packet access outside the range proven by a data_end comparison ("invalid access to packet")',
  'bpf/null-deref': 'dereference of a map value (or other pointer) that may be NULL ("map_value_or_null", "*_or_null")',
  'bpf/uninit-reg': 'read of a register that was never written ("R%d !read_ok")',
  'bpf/uninit-stack': 'read of stack bytes that were never written ("invalid read from stack")',
  'bpf/stack-bounds': 'stack access outside the 512-byte frame or at a variable offset the kernel refuses',
  'bpf/map-bounds': 'map value access outside value_size ("invalid access to map value")',
  'bpf/ctx-access': 'invalid struct xdp_md access: offset, size, write, or egress_ifindex outside devmap programs',
  'bpf/mem-access': 'other invalid memory access (wrong pointer type, read-only memory, scalar dereference)',
  'bpf/ptr-arith': 'pointer arithmetic the kernel forbids ("pointer arithmetic on ... prohibited", "math between ... pointer")',
  'bpf/ptr-leak': 'a pointer escapes as a scalar (to a map, the return value, or a comparison the kernel refuses)',
  'bpf/helper-arg': 'a helper or kfunc argument of the wrong type, size or range ("R%d type=... expected=...")',
  'bpf/helper-unavailable': 'helper or kfunc unknown or not allowed for this program type ("unknown func", "program of this type cannot use helper")',
  'bpf/ref-leak': 'an acquired reference (socket, ringbuf record) not released on every path ("Unreleased reference")',
  'bpf/exit-r0': 'R0 not an initialised scalar at exit ("R0 !read_ok", "At program exit the register R0 ...")',
  'bpf/loop': 'back-edge the kernel cannot bound ("infinite loop detected", "back-edge")',
  'bpf/too-complex': 'program exceeds the verifier\'s limits ("BPF program is too large. Processed 1000001 insn", too many states, jump sequence)',
  'bpf/call-depth': 'bpf-to-bpf calls too deep or combined stack too large ("the call stack of %d frames is too deep", "combined stack size")',
  'bpf/bad-insn': 'malformed or unknown instruction, reserved fields set, jump out of range, unreachable instruction',
  'bpf/div-by-zero': 'reserved: the kernel defines division by zero (result 0 / dividend kept), so this is never an error',
  'bpf/misaligned': 'misaligned access the kernel refuses on x86-64 (strict alignment for some pointer kinds)',
  'bpf/other': 'a rejection without a more specific code yet (the kernel message is kept verbatim), or a construct xdp-lens does not model (refused, not guessed; the message says so)',
});

/** XDP analyses against a selected driver and kernel (issue 6). */
export const XdpCodes = table({
  'xdp/return-invalid': 'a return value outside XDP_ABORTED..XDP_REDIRECT (0..4) is reachable',
  'xdp/return-unsupported': 'a reachable XDP action the selected driver does not handle',
  'xdp/adjust-head-unbounded': 'bpf_xdp_adjust_head push length the verifier cannot bound',
  'xdp/headroom-exceeded': 'bpf_xdp_adjust_head push larger than the selected driver\'s usable headroom',
  'xdp/capability-missing': 'something the program needs that the selected driver or kernel lacks',
  'xdp/portability-unchecked': 'no driver selected: driver-dependent checks were not run',
});

/** Compile and load stages. */
export const ToolCodes = table({
  'clang/error': 'clang reported an error',
  'clang/warning': 'clang reported a warning',
  'clang/note': 'clang attached a note to a diagnostic',
  'toolchain/clang-missing': 'no usable clang with the BPF target was found',
  'toolchain/clang-timeout': 'clang did not finish within its time limit and was killed',
  'load/elf': 'the object is not a valid little-endian BPF ELF64 file',
  'load/btf': 'the object\'s BTF or BTF.ext is malformed',
  'load/program': 'a program could not be assembled from the object (relocation, subprogram, instructions)',
  'analysis/timeout': 'the analysis stopped after its time budget',
  'analysis/failed': 'the analysis failed unexpectedly (a bug: please report it with the file)',
});

export const AllCodes: Readonly<Record<string, CodeInfo>> = { ...BpfCodes, ...XdpCodes, ...ToolCodes };

/** Where docs/codes.md is published; the language server may pass a file: URI of its bundled copy. */
export const DOCS_BASE = 'https://github.com/xdp-lens/xdp-lens/blob/main/docs/codes.md';

/** Documentation link for a code (the LSP codeDescription href): the heading anchor of its section. */
export function codeDocUrl(code: string, base: string = DOCS_BASE): string {
  // Markdown heading anchors keep letters, digits and hyphens and drop the rest ('/' included).
  return `${base}#${code.toLowerCase().replace(/[^a-z0-9-]/g, '')}`;
}
