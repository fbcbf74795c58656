// Loads raw BPF instruction sequences into the running kernel with a level-2 verifier log and prints
// the log, for the domain's differential test against the kernel (kernelDiff.test.ts). Our own code.
// Input (stdin): one program per line, instructions as 16 hex digits (code,regs,off,imm little-endian
// byte order as in memory) separated by spaces. Output: per program "=== <rc> <errno>" then the log.
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char logbuf[1 << 22];
static struct bpf_insn insns[4096];

int main(void) {
  static char line[1 << 20];
  while (fgets(line, sizeof line, stdin)) {
    int n = 0;
    char *p = line;
    while (*p && n < 4096) {
      while (*p == ' ') p++;
      if (*p == '\n' || !*p) break;
      uint8_t b[8];
      for (int i = 0; i < 8; i++) {
        unsigned v;
        sscanf(p + 2 * i, "%2x", &v);
        b[i] = (uint8_t)v;
      }
      memcpy(&insns[n++], b, 8);
      p += 16;
    }
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    attr.insn_cnt = n;
    attr.insns = (uint64_t)(uintptr_t)insns;
    attr.license = (uint64_t)(uintptr_t)"GPL";
    attr.log_level = 2;
    attr.log_size = sizeof logbuf;
    attr.log_buf = (uint64_t)(uintptr_t)logbuf;
    logbuf[0] = 0;
    int fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
    int err = fd < 0 ? errno : 0;
    if (fd >= 0) close(fd);
    printf("=== %d %d\n%s\n", fd >= 0 ? 0 : -1, err, logbuf);
    fflush(stdout);
  }
  return 0;
}
