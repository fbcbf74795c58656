#!/usr/bin/env bash
# Installs what XDP Lens needs on Debian 12 (bookworm) and builds it. Idempotent: packages that
# are already installed are left alone and `apt-get update` only runs when something is missing.
# Runs as root, or through sudo otherwise. Node.js >= 20 must already be installed.
#
#   clang, llvm          clang >= 14 with the BPF target; llvm-objdump for the disassembler tests
#   clang-19, llvm-19    the kernel-selftest suites need a newer clang than Debian's default 14
#   libbpf-dev           <bpf/bpf_helpers.h> and friends; libbpf for the kernel-oracle test loader
#   linux-libc-dev       <linux/*.h> and the multiarch <asm/*.h> the kernel UAPI headers include
#   gcc, libelf-dev, zlib1g-dev   build the kernel-oracle loader (test/oracle) at test time
#   linux-source-6.12, xz-utils   the kernel's own BPF selftests and samples, extracted at test time
#   python3              runs the kernel's scripts/bpf_doc.py to generate bpf_helper_defs.h for them
#   bpftool              inspecting objects by hand and in the oracle tests
#   neovim               the editor end-to-end test of the language server
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PACKAGES=(
  clang llvm clang-19 llvm-19 libbpf-dev linux-libc-dev
  gcc libelf-dev zlib1g-dev
  linux-source-6.12 xz-utils python3 bpftool neovim
)

say() { printf 'setup: %s\n' "$*"; }

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  SUDO=()
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }

apt_install() {
  if [ "$(id -u)" -ne 0 ] && [ ${#SUDO[@]} -eq 0 ]; then
    say "missing packages: $*"
    say "run this script as root (or install sudo) so it can apt-get install them"
    exit 1
  fi
  say "installing: $*"
  if [ "${APT_UPDATED:-0}" != 1 ]; then
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

missing=()
for p in "${PACKAGES[@]}"; do
  installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}"
else
  say "system packages: all present"
fi

# <linux/types.h> includes <asm/types.h>. Debian keeps it under /usr/include/<multiarch>/asm,
# which the clang bridge adds itself; only without that directory does gcc-multilib's
# /usr/include/asm help (x86 only).
multiarch="$(gcc -print-multiarch 2>/dev/null || true)"
if [ ! -e "/usr/include/${multiarch:-none}/asm/types.h" ] && [ ! -e /usr/include/asm/types.h ]; then
  case "$(uname -m)" in
    x86_64 | i?86) installed gcc-multilib || apt_install gcc-multilib ;;
    *) say "warning: no asm/types.h found; XDP programs including <linux/bpf.h> will not compile" ;;
  esac
fi

if ! command -v node >/dev/null 2>&1; then
  say "Node.js is not installed: install Node.js 20 or newer (https://nodejs.org, or NodeSource's Debian packages)"
  exit 1
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  say "Node.js $(node --version) is too old: XDP Lens needs Node.js 20 or newer"
  exit 1
fi

# npm ci wipes and reinstalls node_modules; skip it when the installed tree matches the lock file
# (npm writes node_modules/.package-lock.json after every install). CI always installs afresh.
if [ "${CI:-}" = true ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund
else
  say "node_modules: up to date with package-lock.json"
fi

say "npm run build"
npm run build --silent
say "done: try 'npx xdp-check check --driver i40e examples/*.c'"
