#!/usr/bin/env bash
# Builds and runs the tests: installs what is missing, builds the chosen preset and runs the
# suites against real servers (nginx, …) that the tests start on 127.0.0.1.
#
#   scripts/test.sh                      all tests, optimised build (preset "default")
#   scripts/test.sh --preset asan        all tests under ASan+UBSan (clang), then a bounded fuzz run
#   scripts/test.sh --preset tsan        engine, handle, async and cancellation tests under TSan
#
# As root the suites run inside a private network namespace that has only loopback, so no test
# can reach (or ask a name server) anywhere else.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

preset=default
fuzz_seconds=${OPENINET_FUZZ_SECONDS:-35}
while [ $# -gt 0 ]; do
  case $1 in
    --preset) preset=$2; shift 2 ;;
    --fuzz-seconds) fuzz_seconds=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done

ensure_packages "${OPENINET_BUILD_PACKAGES[@]}" "${OPENINET_TEST_PACKAGES[@]}"
ensure_pure_ftpd

filter='*'
targets=()
case $preset in
  default|debug|release|asan) ;;
  tsan) filter='Engine*:Handle*:Async*:Cancel*:FtpSessionLend*'; targets=(openinet_unit_tests openinet_integration_tests) ;;
  *) die "unknown preset: $preset" ;;
esac
configure_and_build "$preset" "${targets[@]}"

build_dir=$OPENINET_ROOT/build/$preset
export GTEST_FILTER=$filter
export TSAN_OPTIONS=${TSAN_OPTIONS:-"halt_on_error=1 second_deadlock_stack=1 suppressions=$OPENINET_ROOT/scripts/tsan.supp"}
export ASAN_OPTIONS=${ASAN_OPTIONS:-"detect_leaks=1"}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-"print_stacktrace=1 halt_on_error=1"}

run_isolated() {
  if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
    unshare -n bash -c 'ip link set lo up && exec "$@"' isolated "$@"
  else
    log "not root or no network namespaces: running on the host (tests use loopback only)"
    "$@"
  fi
}

log "running tests ($preset, filter $filter)"
run_isolated ctest --test-dir "$build_dir" --output-on-failure --timeout 1800

if [ "$preset" = asan ] && [ "$fuzz_seconds" -gt 0 ]; then
  shopt -s nullglob
  for fuzzer in "$build_dir"/fuzz/fuzz_*; do
    [ -x "$fuzzer" ] || continue
    name=$(basename "$fuzzer")
    corpus=$(mktemp -d)
    cp -r "$OPENINET_ROOT/fuzz/corpus/$name/." "$corpus/" 2>/dev/null || true
    log "fuzzing $name for ${fuzz_seconds}s"
    set +e
    "$fuzzer" -max_total_time="$fuzz_seconds" -print_final_stats=1 "$corpus" > "$corpus.log" 2>&1
    status=$?
    set -e
    tail -n 12 "$corpus.log"; rm -f "$corpus.log"
    rm -rf "$corpus"
    [ "$status" -eq 0 ] || die "fuzzer $name found a failure"
  done
fi
log "tests passed ($preset)"
