// Kernel oracle for the test suite: loads a BPF object into the running kernel through libbpf
// and reports, per program, the verifier's verdict, log and verification time; or runs one
// program once (or REPEAT times) with BPF_PROG_TEST_RUN. Built at test time by
// test/support/oracle.ts with: gcc -O2 -o test/.build/oracle test/oracle/oracle.c -lbpf -lelf -lz
//
//   oracle load OBJ [--type xdp] [--prog NAME] [--flags BPF_F_MASK]
//       one JSON line per program: {name, section, verdict, errno, stage, log, verifyNs,
//       processedInsns, libbpfLog}
//   oracle run OBJ PROG HEXPACKET REPEAT
//       one JSON line: {retval, dataOut (hex), durationNs} or {error, errno, log}
//   oracle runmany OBJ PROG REPEAT   (hex packets on stdin, one per line; "-" for an empty one)
//       one JSON line per packet, as `run`; every packet gets a fresh load (fresh maps)
//
// Each program is loaded from a fresh bpf_object with every other program's autoload off, so a
// rejection of one program never hides the verdict of another. bpffs is not mounted on the test
// machines, so map pin paths are cleared; maps declared with max_entries 0 get a usable size.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOG_SIZE (16u << 20)
/* Kernel log levels (include/linux/bpf_verifier.h, 6.x): BPF_LOG_LEVEL1 = 1, BPF_LOG_STATS = 4. */
#define LOG_LEVEL1 1u
#define LOG_STATS 4u

static char *libbpf_buf;
static size_t libbpf_len, libbpf_cap;

static int capture_print(enum libbpf_print_level level, const char *fmt, va_list ap) {
  if (level == LIBBPF_DEBUG) return 0;
  char tmp[4096];
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  if (n < 0) return 0;
  if ((size_t)n >= sizeof tmp) n = sizeof tmp - 1;
  if (libbpf_len + (size_t)n + 1 > libbpf_cap) {
    size_t cap = libbpf_cap ? libbpf_cap * 2 : 8192;
    while (cap < libbpf_len + (size_t)n + 1) cap *= 2;
    char *p = realloc(libbpf_buf, cap);
    if (!p) return 0;
    libbpf_buf = p;
    libbpf_cap = cap;
  }
  memcpy(libbpf_buf + libbpf_len, tmp, (size_t)n);
  libbpf_len += (size_t)n;
  libbpf_buf[libbpf_len] = 0;
  return 0;
}

static void reset_libbpf_log(void) {
  libbpf_len = 0;
  if (libbpf_buf) libbpf_buf[0] = 0;
}

static void json_str(FILE *out, const char *s) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    switch (*p) {
      case '"': fputs("\\\"", out); break;
      case '\\': fputs("\\\\", out); break;
      case '\n': fputs("\\n", out); break;
      case '\r': fputs("\\r", out); break;
      case '\t': fputs("\\t", out); break;
      default:
        if (*p < 0x20) fprintf(out, "\\u%04x", *p);
        else fputc(*p, out);
    }
  }
  fputc('"', out);
}

/* Prepares a freshly opened object: no pinning, every map with a usable max_entries, only
   `only` autoloaded (all when NULL), optional forced program type. */
static unsigned extra_flags; /* --flags: prog_flags added to the loaded program (BPF_F_*) */

static void prepare(struct bpf_object *obj, const char *only, int force_xdp) {
  struct bpf_map *map;
  bpf_object__for_each_map(map, obj) {
    bpf_map__set_pin_path(map, NULL);
    if (bpf_map__max_entries(map) == 0) {
      switch (bpf_map__type(map)) {
        case BPF_MAP_TYPE_RINGBUF:
        case BPF_MAP_TYPE_USER_RINGBUF:
          bpf_map__set_max_entries(map, (unsigned)sysconf(_SC_PAGESIZE) * 16);
          break;
        case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
          bpf_map__set_max_entries(map, (unsigned)libbpf_num_possible_cpus());
          break;
        default:
          bpf_map__set_max_entries(map, 1);
      }
    }
  }
  struct bpf_program *prog;
  bpf_object__for_each_program(prog, obj) {
    int mine = !only || strcmp(bpf_program__name(prog), only) == 0;
    bpf_program__set_autoload(prog, mine);
    if (mine && force_xdp) bpf_program__set_type(prog, BPF_PROG_TYPE_XDP);
    if (mine && extra_flags) bpf_program__set_flags(prog, bpf_program__flags(prog) | extra_flags);
  }
}

/* Parses "verification time N usec" and "processed N insns" from a stats log. */
static void parse_stats(const char *log, long long *ns, long long *processed) {
  const char *p = strstr(log, "verification time ");
  if (p) *ns = atoll(p + strlen("verification time ")) * 1000;
  p = strstr(log, "processed ");
  while (p) {
    char *end;
    long long v = strtoll(p + strlen("processed "), &end, 10);
    if (end != p + strlen("processed ") && strncmp(end, " insns", 6) == 0) {
      *processed = v;
      break;
    }
    p = strstr(p + 1, "processed ");
  }
}

struct attempt {
  int err;
  char *log;
  int fd;
  struct bpf_object *obj;
};

static struct attempt load_one(const char *path, const char *name, int force_xdp, unsigned level, char *logbuf) {
  struct attempt a = {0, logbuf, -1, NULL};
  logbuf[0] = 0;
  struct bpf_object *obj = bpf_object__open_file(path, NULL);
  if (!obj) {
    a.err = -errno;
    return a;
  }
  prepare(obj, name, force_xdp);
  struct bpf_program *prog = bpf_object__find_program_by_name(obj, name);
  bpf_program__set_log_buf(prog, logbuf, LOG_SIZE);
  bpf_program__set_log_level(prog, level);
  a.err = bpf_object__load(obj);
  a.obj = obj;
  if (a.err == 0) a.fd = bpf_program__fd(prog);
  return a;
}

static int cmd_load(const char *path, const char *only, int force_xdp) {
  struct bpf_object *obj = bpf_object__open_file(path, NULL);
  if (!obj) {
    fprintf(stdout, "{\"error\":");
    json_str(stdout, "open failed");
    fprintf(stdout, ",\"errno\":%d,\"libbpfLog\":", errno);
    json_str(stdout, libbpf_buf);
    fprintf(stdout, "}\n");
    return 2;
  }
  /* Collect names first; each is then loaded from its own fresh object. */
  size_t n = 0, cap = 16;
  char **names = malloc(cap * sizeof *names), **sections = malloc(cap * sizeof *sections);
  struct bpf_program *prog;
  bpf_object__for_each_program(prog, obj) {
    if (only && strcmp(bpf_program__name(prog), only) != 0) continue;
    if (n == cap) {
      cap *= 2;
      names = realloc(names, cap * sizeof *names);
      sections = realloc(sections, cap * sizeof *sections);
    }
    names[n] = strdup(bpf_program__name(prog));
    sections[n] = strdup(bpf_program__section_name(prog));
    n++;
  }
  bpf_object__close(obj);

  char *logbuf = malloc(LOG_SIZE);
  for (size_t i = 0; i < n; i++) {
    reset_libbpf_log();
    /* Stats-only first: its "verification time" is not inflated by trace printing. */
    struct attempt a = load_one(path, names[i], force_xdp, LOG_STATS, logbuf);
    long long ns = -1, processed = -1;
    parse_stats(logbuf, &ns, &processed);
    if (a.err == 0 && a.fd >= 0) {
      struct bpf_prog_info info;
      __u32 len = sizeof info;
      memset(&info, 0, sizeof info);
      if (bpf_obj_get_info_by_fd(a.fd, &info, &len) == 0 && processed < 0) processed = info.verified_insns;
    }
    int err = a.err;
    if (a.obj) bpf_object__close(a.obj);
    if (err != 0) {
      /* Rejected: reload with level 1 for the failing path's trace and the error. */
      reset_libbpf_log();
      struct attempt b = load_one(path, names[i], force_xdp, LOG_LEVEL1 | LOG_STATS, logbuf);
      if (b.obj) bpf_object__close(b.obj);
      parse_stats(logbuf, &ns, &processed);
      if (b.err == 0) err = 0; /* should not happen: report what the last load said */
    }
    const char *stage = err == 0 ? "verifier" : (logbuf[0] ? "verifier" : "libbpf");
    fprintf(stdout, "{\"name\":");
    json_str(stdout, names[i]);
    fprintf(stdout, ",\"section\":");
    json_str(stdout, sections[i]);
    fprintf(stdout, ",\"verdict\":\"%s\",\"errno\":%d,\"stage\":\"%s\",\"verifyNs\":%lld,\"processedInsns\":%lld,\"log\":",
            err == 0 ? "accept" : "reject", err < 0 ? -err : err, stage, ns, processed);
    json_str(stdout, logbuf);
    fprintf(stdout, ",\"libbpfLog\":");
    json_str(stdout, libbpf_buf);
    fprintf(stdout, "}\n");
    fflush(stdout);
  }
  free(logbuf);
  return 0;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Loads PROG afresh (fresh maps), runs it once on the packet given in hex (REPEAT times), prints one JSON line. */
static int run_packet(const char *path, const char *name, const char *hex, unsigned repeat, char *logbuf) {
  size_t hl = strlen(hex);
  while (hl > 0 && (hex[hl - 1] == '\n' || hex[hl - 1] == '\r' || hex[hl - 1] == ' ')) hl--;
  if (hl % 2) {
    fprintf(stdout, "{\"error\":\"odd hex length\",\"errno\":%d}\n", EINVAL);
    return 2;
  }
  size_t len = hl / 2;
  unsigned char *in = malloc(len ? len : 1);
  for (size_t i = 0; i < len; i++) {
    int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      fprintf(stdout, "{\"error\":\"bad hex\",\"errno\":%d}\n", EINVAL);
      free(in);
      return 2;
    }
    in[i] = (unsigned char)(hi * 16 + lo);
  }
  reset_libbpf_log();
  struct attempt a = load_one(path, name, 0, LOG_STATS, logbuf);
  if (a.err != 0) {
    fprintf(stdout, "{\"error\":\"load failed\",\"errno\":%d,\"log\":", -a.err);
    json_str(stdout, logbuf);
    fprintf(stdout, ",\"libbpfLog\":");
    json_str(stdout, libbpf_buf);
    fprintf(stdout, "}\n");
    if (a.obj) bpf_object__close(a.obj);
    free(in);
    return 2;
  }
  /* Output can grow (adjust_tail) up to the frame: a generous buffer avoids ENOSPC. */
  size_t out_cap = 65536 + len;
  unsigned char *out = calloc(1, out_cap);
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = (__u32)len, .data_out = out,
              .data_size_out = (__u32)out_cap, .repeat = repeat ? repeat : 1);
  int err = bpf_prog_test_run_opts(a.fd, &opts);
  if (err != 0) {
    fprintf(stdout, "{\"error\":\"test run failed\",\"errno\":%d}\n", errno);
  } else {
    fprintf(stdout, "{\"retval\":%u,\"durationNs\":%u,\"dataOut\":\"", opts.retval, opts.duration);
    for (__u32 i = 0; i < opts.data_size_out && i < out_cap; i++) fprintf(stdout, "%02x", out[i]);
    fprintf(stdout, "\"}\n");
  }
  fflush(stdout);
  bpf_object__close(a.obj);
  free(out);
  free(in);
  return err != 0 ? 2 : 0;
}

static int cmd_run(const char *path, const char *name, const char *hex, unsigned repeat) {
  char *logbuf = malloc(LOG_SIZE);
  int rc = run_packet(path, name, hex, repeat, logbuf);
  free(logbuf);
  return rc;
}

/* One hex packet per stdin line; each run gets a freshly loaded program and fresh maps. */
static int cmd_runmany(const char *path, const char *name, unsigned repeat) {
  char *logbuf = malloc(LOG_SIZE);
  size_t cap = 0;
  char *line = NULL;
  ssize_t n;
  while ((n = getline(&line, &cap, stdin)) >= 0) {
    if (n == 0 || line[0] == '\n') continue;
    run_packet(path, name, line[0] == '-' ? "" : line, repeat, logbuf); /* "-" is an empty packet */
  }
  free(line);
  free(logbuf);
  return 0;
}

int main(int argc, char **argv) {
  libbpf_set_print(capture_print);
  libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
  if (argc >= 3 && strcmp(argv[1], "load") == 0) {
    const char *only = NULL;
    int force_xdp = 0;
    for (int i = 3; i < argc; i++) {
      if (strcmp(argv[i], "--type") == 0 && i + 1 < argc) {
        force_xdp = strcmp(argv[++i], "xdp") == 0;
      } else if (strcmp(argv[i], "--flags") == 0 && i + 1 < argc) {
        extra_flags = (unsigned)strtoul(argv[++i], NULL, 0);
      } else if (strcmp(argv[i], "--prog") == 0 && i + 1 < argc) {
        only = argv[++i];
      } else {
        fprintf(stderr, "unknown option %s\n", argv[i]);
        return 2;
      }
    }
    return cmd_load(argv[2], only, force_xdp);
  }
  if (argc == 5 && strcmp(argv[1], "runmany") == 0) {
    return cmd_runmany(argv[2], argv[3], (unsigned)strtoul(argv[4], NULL, 10));
  }
  if (argc == 6 && strcmp(argv[1], "run") == 0) {
    return cmd_run(argv[2], argv[3], argv[4], (unsigned)strtoul(argv[5], NULL, 10));
  }
  fprintf(stderr, "usage: oracle load OBJ [--type xdp] [--prog NAME] [--flags MASK]\n       oracle run OBJ PROG HEXPACKET REPEAT\n       oracle runmany OBJ PROG REPEAT < hex-lines\n");
  return 2;
}
