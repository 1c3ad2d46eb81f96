# Shared by scripts/demo.sh and scripts/test.sh: install what is missing, configure, build.
# Sourced, not run.

OPENINET_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Debian 12 packages the project needs to build, test and run its demo.
OPENINET_BUILD_PACKAGES=(
  build-essential cmake ccache pkg-config
  libboost1.81-dev libboost-url1.81-dev libssl-dev zlib1g-dev
  googletest libgtest-dev libbenchmark-dev
)
OPENINET_TEST_PACKAGES=(
  openssl ca-certificates nginx libnginx-mod-http-echo iproute2 util-linux procps
  clang libclang-rt-14-dev
  vsftpd libsodium23 libcap2 libpam0g
  tinyproxy
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs the named Debian packages that are not installed yet.
ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]} (run as root, or install them)"
  log "installing: ${missing[*]}"
  # Package scripts must not start system services (nginx on port 80) on a test machine.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install failed"
  [ $created_policy -eq 1 ] && rm -f "$policy"
  return 0
}

# configure_and_build PRESET [TARGET...]
configure_and_build() {
  local preset=$1; shift
  export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
  export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
  # Paths relative to the checkout, so a second clone (CI's) reuses the cache.
  export CCACHE_BASEDIR=$OPENINET_ROOT CCACHE_NOHASHDIR=1
  log "configuring ($preset)"
  (cd "$OPENINET_ROOT" && cmake --preset "$preset" >/dev/null) || die "cmake configure failed"
  log "building ($preset${*:+: $*})"
  local jobs
  jobs=$(nproc 2>/dev/null || echo 2)
  if [ $# -gt 0 ]; then
    cmake --build "$OPENINET_ROOT/build/$preset" -j"$jobs" --target "$@" || die "build failed"
  else
    cmake --build "$OPENINET_ROOT/build/$preset" -j"$jobs" || die "build failed"
  fi
}

# pure-ftpd, the second FTP server of the tests, conflicts with vsftpd as a Debian package
# (both provide ftp-server), so its package is unpacked privately instead of installed.
ensure_pure_ftpd() {
  local root=${OPENINET_PURE_FTPD_ROOT:-$HOME/.cache/openinet/pure-ftpd}
  [ -x "$root/usr/sbin/pure-ftpd" ] && return 0
  log "unpacking pure-ftpd into $root"
  local tmp
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download pure-ftpd >/dev/null 2>&1); then
    apt-get update -qq && (cd "$tmp" && apt-get download pure-ftpd >/dev/null) || {
      rm -rf "$tmp"; die "could not download the pure-ftpd package"; }
  fi
  mkdir -p "$root"
  dpkg-deb -x "$tmp"/pure-ftpd_*.deb "$root" || { rm -rf "$tmp"; die "could not unpack pure-ftpd"; }
  rm -rf "$tmp"
}
