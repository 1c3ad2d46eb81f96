#!/usr/bin/env bash
# OpenInet download benchmark: one private nginx and one private vsftpd on loopback serve
# the same files to every tool over HTTP and passive FTP; the tools take turns (round-robin,
# the starting tool rotating each round) and each (case, tool) is reported as the median
# wall time of its runs plus its peak RSS. See bench/README.md for how to read the table.
#
#   bench/run.sh [--rounds N] [--quick] [--no-build] [--bin-dir DIR] [--out-dir DIR]
#                [--nginx-workers N] [--big-mib N] [--small-count N] [--keep]
#                [--only http|ftp] [--ftp-parallel N] [--small-repeat N]
#
# --quick: 64 MiB and 200 small files, 1 round, 1 run each. --out-dir: where case (a) "-> file"
# writes (default /dev/shm). --bin-dir: use already built programs (implies --no-build).
# --only: run only the HTTP or only the FTP cases. --ftp-parallel: connections for the
# FTP "at a time" case (default 10). --small-repeat: runs per tool and round of the (b)
# cases, taken in turns like the rounds (default 5: one run lasts 0.03-0.4 s, and a median of
# 5 such runs still moves by +-10%). The FTP cases need root (vsftpd chroots).
set -euo pipefail

source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=5
big_mib=1024
small_count=1000
small_bytes=16384
parallel=50
build=1
bin_dir=$source_dir/build/release/bench
out_parent=
nginx_workers=1
keep=0
per_run_timeout=600
run_http=1
run_ftp=1
ftp_parallel=10
small_repeat=5

usage() {
  sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 2
}
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --quick) rounds=1; big_mib=64; small_count=200; small_repeat=1; shift ;;
    --big-mib) big_mib=$2; shift 2 ;;
    --small-count) small_count=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --bin-dir) bin_dir=$(cd "$2" && pwd); build=0; shift 2 ;;
    --out-dir) out_parent=$2; shift 2 ;;
    --nginx-workers) nginx_workers=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --only)
      case $2 in
        http) run_ftp=0 ;;
        ftp) run_http=0 ;;
        *) echo "run.sh: --only takes http or ftp" >&2; usage ;;
      esac
      shift 2 ;;
    --ftp-parallel) ftp_parallel=$2; shift 2 ;;
    --small-repeat) small_repeat=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "run.sh: unknown option $1" >&2; usage ;;
  esac
done
for number in "$rounds" "$big_mib" "$small_count" "$nginx_workers" "$ftp_parallel" "$small_repeat"; do
  [[ $number =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: $number is not a positive number" >&2; exit 2; }
done

for tool in nginx curl wget; do
  command -v $tool >/dev/null || { echo "run.sh: $tool is not installed" >&2; exit 1; }
done
if [[ ! -x /usr/bin/time ]]; then
  echo "run.sh: /usr/bin/time is missing (apt-get install -y time)" >&2
  exit 1
fi
# vsftpd chroots into the served directory and switches to the "ftp" account.
if [[ $run_ftp == 1 ]]; then
  ftp_missing=
  [[ -x /usr/sbin/vsftpd ]] || ftp_missing="vsftpd is not installed"
  getent passwd ftp >/dev/null || ftp_missing="the system account ftp is missing"
  [[ $(id -u) == 0 ]] || ftp_missing="vsftpd needs root"
  if [[ -n $ftp_missing ]]; then
    echo "run.sh: skipping the FTP cases: $ftp_missing" >&2
    run_ftp=0
  fi
fi
[[ $run_http == 1 || $run_ftp == 1 ]] || { echo "run.sh: nothing to run" >&2; exit 1; }

# ---- build ---------------------------------------------------------------------------
have_openinet=1
have_openinet_ftp=1
if [[ $build == 1 ]]; then
  (cd "$source_dir" && cmake --preset release >/dev/null)
  nice -n 10 cmake --build "$source_dir/build/release" -j2 --target raw_get raw_ftp_get curl_multi
  if ! nice -n 10 cmake --build "$source_dir/build/release" -j2 --target openinet_get; then
    echo "run.sh: openinet_get does not build; running without it" >&2
    have_openinet=0
  fi
  if [[ $run_ftp == 1 ]] &&
    ! nice -n 10 cmake --build "$source_dir/build/release" -j2 --target openinet_ftp_get; then
    echo "run.sh: openinet_ftp_get does not build; running without it" >&2
    have_openinet_ftp=0
  fi
fi
for program in raw_get raw_ftp_get curl_multi; do
  [[ -x $bin_dir/$program ]] || { echo "run.sh: $bin_dir/$program is missing" >&2; exit 1; }
done
[[ -x $bin_dir/openinet_get ]] || have_openinet=0
[[ -x $bin_dir/openinet_ftp_get ]] || have_openinet_ftp=0

# ---- files and server ----------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/openinet-bench.XXXXXX")
out_dir=
nginx_pid=
vsftpd_pid=
cleanup() {
  if [[ -n $nginx_pid ]]; then
    kill "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  if [[ -n $vsftpd_pid ]]; then
    kill "$vsftpd_pid" 2>/dev/null || true
    wait "$vsftpd_pid" 2>/dev/null || true
  fi
  [[ -n $out_dir ]] && rm -rf "$out_dir"
  if [[ $keep == 1 ]]; then echo "run.sh: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

docroot=$work/docroot
# Output files go to tmpfs by default: on a disk the page-cache writeback of the
# previous run (and aria2c's file handling) makes the timings swing by 2-3x.
if [[ -z $out_parent ]]; then
  if [[ -d /dev/shm && -w /dev/shm ]]; then out_parent=/dev/shm; else out_parent=$work; fi
fi
out_dir=$(mktemp -d "$out_parent/openinet-bench-out.XXXXXX")

mkdir -p "$docroot/small" "$work/nginx" "$work/logs" "$work/vsftpd/empty"
# vsftpd serves the same directory after dropping to the ftp account.
chmod 755 "$work"
echo "run.sh: generating $big_mib MiB + $small_count x $small_bytes bytes in $docroot" >&2
head -c $((big_mib * 1048576)) /dev/urandom >"$docroot/big.bin"
head -c $((small_count * small_bytes)) /dev/urandom |
  (cd "$docroot/small" && split -b "$small_bytes" -a 4 -d --additional-suffix=.bin - s)
token=$RANDOM$RANDOM$RANDOM
echo "$token" >"$docroot/token.txt"
chmod -R a+rX "$docroot"
big_bytes=$(stat -c %s "$docroot/big.bin")

start_nginx() {
  local port=$1
  cat >"$work/nginx/nginx.conf" <<CONF
user $(id -un) $(id -gn);
worker_processes $nginx_workers;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  keepalive_timeout 120s;
  default_type application/octet-stream;
  client_body_temp_path $work/nginx/client_body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server {
    listen 127.0.0.1:$port;
    root $docroot;
  }
}
CONF
  nginx -p "$work/nginx" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" &
  nginx_pid=$!
  for _ in $(seq 50); do
    kill -0 "$nginx_pid" 2>/dev/null || break
    # The token proves it is our nginx answering, not another server on that port.
    if [[ $(curl -s "http://127.0.0.1:$port/token.txt" 2>/dev/null) == "$token" ]] &&
      kill -0 "$nginx_pid" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  kill "$nginx_pid" 2>/dev/null || true
  wait "$nginx_pid" 2>/dev/null || true
  nginx_pid=
  return 1
}
port=
for _ in $(seq 20); do
  candidate=$((20000 + RANDOM % 40000))
  if start_nginx $candidate; then port=$candidate; break; fi
done
[[ -n $port ]] || { echo "run.sh: could not start nginx (see $work/nginx/error.log)" >&2; keep=1; exit 1; }
base=http://127.0.0.1:$port
big_url=$base/big.bin
small_urls=()
for f in "$docroot"/small/*.bin; do small_urls+=("$base/small/${f##*/}"); done
printf '%s\n' "${small_urls[@]}" >"$work/urls.txt"
for u in "${small_urls[@]}"; do printf 'url = "%s"\noutput = "/dev/null"\n' "$u"; done >"$work/curl.cfg"
echo "run.sh: nginx (pid $nginx_pid) on $base" >&2

# Anonymous, read-only, passive data connections on any free port, no transfer log: the
# defaults of a public download server otherwise (one process pair per session, sendfile).
start_vsftpd() {
  local port=$1
  cat >"$work/vsftpd/vsftpd.conf" <<CONF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$port
background=NO
seccomp_sandbox=NO
anonymous_enable=YES
local_enable=NO
write_enable=NO
ftp_username=ftp
anon_root=$docroot
secure_chroot_dir=$work/vsftpd/empty
pasv_enable=YES
port_enable=NO
xferlog_enable=NO
dirmessage_enable=NO
max_clients=0
max_per_ip=0
idle_session_timeout=300
data_connection_timeout=300
CONF
  # vsftpd refuses a configuration file others may write.
  chmod 600 "$work/vsftpd/vsftpd.conf"
  /usr/sbin/vsftpd "$work/vsftpd/vsftpd.conf" >"$work/vsftpd/daemon.log" 2>&1 &
  vsftpd_pid=$!
  for _ in $(seq 50); do
    kill -0 "$vsftpd_pid" 2>/dev/null || break
    if [[ $(curl -s "ftp://127.0.0.1:$port/token.txt" 2>/dev/null) == "$token" ]] &&
      kill -0 "$vsftpd_pid" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  kill "$vsftpd_pid" 2>/dev/null || true
  wait "$vsftpd_pid" 2>/dev/null || true
  vsftpd_pid=
  return 1
}
if [[ $run_ftp == 1 ]]; then
  ftp_port=
  for _ in $(seq 20); do
    candidate=$((20000 + RANDOM % 40000))
    if start_vsftpd $candidate; then ftp_port=$candidate; break; fi
  done
  [[ -n $ftp_port ]] || { echo "run.sh: could not start vsftpd (see $work/vsftpd/daemon.log)" >&2; keep=1; exit 1; }
  ftp_base=ftp://127.0.0.1:$ftp_port
  ftp_big_url=$ftp_base/big.bin
  ftp_small_urls=()
  for f in "$docroot"/small/*.bin; do ftp_small_urls+=("$ftp_base/small/${f##*/}"); done
  printf '%s\n' "${ftp_small_urls[@]}" >"$work/ftp-urls.txt"
  for u in "${ftp_small_urls[@]}"; do printf 'url = "%s"\noutput = "/dev/null"\n' "$u"; done >"$work/curl-ftp.cfg"
  echo "run.sh: vsftpd (pid $vsftpd_pid) on $ftp_base" >&2
fi

# ---- cases and tools -----------------------------------------------------------------
cases=()
[[ $run_http == 1 ]] && cases+=(big_null big_file small_seq small_par)
[[ $run_ftp == 1 ]] && cases+=(ftp_big_null ftp_big_file ftp_small_seq ftp_small_par)
declare -A case_title=(
  [big_null]="(a) $big_mib MiB file -> /dev/null"
  [big_file]="(a) $big_mib MiB file -> file"
  [small_seq]="(b) $small_count x $((small_bytes / 1024)) KiB, sequential, keep-alive"
  [small_par]="(b) $small_count x $((small_bytes / 1024)) KiB, $parallel at a time"
  [ftp_big_null]="FTP (a) $big_mib MiB file -> /dev/null"
  [ftp_big_file]="FTP (a) $big_mib MiB file -> file"
  [ftp_small_seq]="FTP (b) $small_count x $((small_bytes / 1024)) KiB, one control connection"
  [ftp_small_par]="FTP (b) $small_count x $((small_bytes / 1024)) KiB, $ftp_parallel connections"
)
tools=(raw openinet-sync openinet-async curl wget libcurl-multi)
# Only in "(b) 50 at a time": OpenInet with the per-server limit raised to the 50 connections
# libcurl-multi opens (the openinet-sync/-async rows keep WinInet's default of 6).
[[ $run_http == 1 ]] && tools+=(openinet-sync-50conns openinet-async-50conns)
command -v aria2c >/dev/null && tools+=(aria2c)
[[ $run_ftp == 1 ]] && tools+=(openinet-ftpgetfile)
raw=$bin_dir/raw_get
raw_ftp=$bin_dir/raw_ftp_get
multi=$bin_dir/curl_multi
openinet=$bin_dir/openinet_get
openinet_ftp=$bin_dir/openinet_ftp_get
big_out=$out_dir/big.bin

# Sets `cmd` for (case, tool); returns 1 when the tool has no way to run the case.
command_for() {
  local case=$1 tool=$2
  cmd=()
  case $case:$tool in
    small_par:openinet-*-50conns) [[ $have_openinet == 1 ]] || return 1 ;;
    *:openinet-*-50conns) return 1 ;;
    ftp_*:openinet-*) [[ $have_openinet_ftp == 1 ]] || return 1 ;;
    *:openinet-*) [[ $have_openinet == 1 ]] || return 1 ;;
  esac
  local mode=
  [[ $tool == openinet-sync* || $tool == openinet-ftpgetfile ]] && mode=--sync
  [[ $tool == openinet-async* ]] && mode=--async
  case $case:$tool in
    big_null:raw) cmd=("$raw" "$big_url") ;;
    big_file:raw) cmd=("$raw" -o "$big_out" "$big_url") ;;
    small_seq:raw) cmd=("$raw" "${small_urls[@]}") ;;
    small_par:raw) cmd=("$raw" --parallel $parallel "${small_urls[@]}") ;;
    big_null:openinet-*) cmd=("$openinet" $mode -o /dev/null "$big_url") ;;
    big_file:openinet-*) cmd=("$openinet" $mode -o "$big_out" "$big_url") ;;
    small_seq:openinet-*) cmd=("$openinet" $mode -o /dev/null "${small_urls[@]}") ;;
    # As many connections as transfers, like libcurl-multi (no per-host limit by default).
    small_par:openinet-*-50conns) cmd=("$openinet" $mode --parallel $parallel --max-conns $parallel -o /dev/null
                                       "${small_urls[@]}") ;;
    small_par:openinet-*) cmd=("$openinet" $mode --parallel $parallel -o /dev/null "${small_urls[@]}") ;;
    big_null:curl) cmd=(curl -sf -o /dev/null "$big_url") ;;
    big_file:curl) cmd=(curl -sf -o "$big_out" "$big_url") ;;
    small_seq:curl) cmd=(curl -sf -K "$work/curl.cfg") ;;
    small_par:curl) cmd=(curl -sf --parallel --parallel-max $parallel -K "$work/curl.cfg") ;;
    big_null:wget) cmd=(wget -q -O /dev/null "$big_url") ;;
    big_file:wget) cmd=(wget -q -O "$big_out" "$big_url") ;;
    small_seq:wget) cmd=(wget -q -i "$work/urls.txt" -O /dev/null) ;;
    big_null:libcurl-multi) cmd=("$multi" --buffer-size 524288 -o /dev/null "$big_url") ;;
    big_file:libcurl-multi) cmd=("$multi" --buffer-size 524288 -o "$big_out" "$big_url") ;;
    small_seq:libcurl-multi) cmd=("$multi" -o /dev/null "${small_urls[@]}") ;;
    small_par:libcurl-multi) cmd=("$multi" --parallel $parallel -o /dev/null "${small_urls[@]}") ;;
    # aria2c cannot write to /dev/null: it writes the files into a directory.
    small_par:aria2c) cmd=(aria2c -q -x1 -j$parallel -i "$work/urls.txt" -d "$out_dir/aria2c"
                           --allow-overwrite=true --auto-file-renaming=false --file-allocation=none) ;;
    ftp_big_null:openinet-sync|ftp_big_null:openinet-async)
      cmd=("$openinet_ftp" $mode --expect-size "$big_bytes" -o /dev/null "$ftp_big_url") ;;
    ftp_big_file:openinet-sync|ftp_big_file:openinet-async)
      cmd=("$openinet_ftp" $mode --expect-size "$big_bytes" -o "$big_out" "$ftp_big_url") ;;
    ftp_big_file:openinet-ftpgetfile)
      cmd=("$openinet_ftp" $mode --get-file --expect-size "$big_bytes" -o "$big_out" "$ftp_big_url") ;;
    ftp_small_seq:openinet-sync|ftp_small_seq:openinet-async)
      cmd=("$openinet_ftp" $mode --expect-size "$small_bytes" -o /dev/null "${ftp_small_urls[@]}") ;;
    ftp_small_par:openinet-sync|ftp_small_par:openinet-async)
      cmd=("$openinet_ftp" $mode --parallel $ftp_parallel --expect-size "$small_bytes" -o /dev/null
           "${ftp_small_urls[@]}") ;;
    ftp_big_null:raw) cmd=("$raw_ftp" --expect-size "$big_bytes" "$ftp_big_url") ;;
    ftp_big_file:raw) cmd=("$raw_ftp" --expect-size "$big_bytes" -o "$big_out" "$ftp_big_url") ;;
    ftp_small_seq:raw) cmd=("$raw_ftp" --expect-size "$small_bytes" "${ftp_small_urls[@]}") ;;
    ftp_big_null:curl) cmd=(curl -sf -o /dev/null "$ftp_big_url") ;;
    ftp_big_file:curl) cmd=(curl -sf -o "$big_out" "$ftp_big_url") ;;
    ftp_small_seq:curl) cmd=(curl -sf -K "$work/curl-ftp.cfg") ;;
    ftp_small_par:curl) cmd=(curl -sf --parallel --parallel-max $ftp_parallel -K "$work/curl-ftp.cfg") ;;
    ftp_big_null:wget) cmd=(wget -q -O /dev/null "$ftp_big_url") ;;
    ftp_big_file:wget) cmd=(wget -q -O "$big_out" "$ftp_big_url") ;;
    ftp_small_seq:wget) cmd=(wget -q -i "$work/ftp-urls.txt" -O /dev/null) ;;
    ftp_big_null:libcurl-multi) cmd=("$multi" --buffer-size 524288 -o /dev/null "$ftp_big_url") ;;
    ftp_big_file:libcurl-multi) cmd=("$multi" --buffer-size 524288 -o "$big_out" "$ftp_big_url") ;;
    ftp_small_seq:libcurl-multi) cmd=("$multi" -o /dev/null "${ftp_small_urls[@]}") ;;
    ftp_small_par:libcurl-multi) cmd=("$multi" --parallel $ftp_parallel -o /dev/null "${ftp_small_urls[@]}") ;;
    *) return 1 ;;
  esac
}

# Runs `cmd` once; appends "case tool round seconds peak_kib status cpu_seconds" to the
# records.
measure() {
  local case=$1 tool=$2 round=$3 status=ok
  local log=$work/logs/$case.$tool.$round.log
  rm -rf "$big_out" "$out_dir/aria2c"
  local start end
  start=$(date +%s%N)
  if ! timeout -k 5 $per_run_timeout /usr/bin/time -f '%e %M %U %S' -o "$work/time.txt" "${cmd[@]}" >"$log" 2>&1; then
    status=failed
  fi
  end=$(date +%s%N)
  if [[ $status == ok && $case == *big_file ]]; then
    local size
    size=$(stat -c %s "$big_out" 2>/dev/null || echo 0)
    [[ $size == "$big_bytes" ]] || { status=short; echo "output has $size of $big_bytes bytes" >>"$log"; }
  fi
  local peak_kib=0
  [[ -s $work/time.txt ]] && peak_kib=$(tail -n 1 "$work/time.txt" | awk '{print $2}')
  [[ $peak_kib =~ ^[0-9]+$ ]] || peak_kib=0
  local cpu_seconds=0
  [[ -s $work/time.txt ]] && cpu_seconds=$(tail -n 1 "$work/time.txt" | awk '{ printf "%.2f", $3 + $4 }')
  local seconds
  seconds=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", (e - s) / 1e9 }')
  echo "$case $tool $round $seconds $peak_kib $status $cpu_seconds" >>"$work/records.txt"
  if [[ $status != ok ]]; then
    echo "run.sh: $tool failed on $case (round $round): $(tail -n 3 "$log" | tr '\n' ' ')" >&2
  fi
  rm -rf "$big_out" "$out_dir/aria2c"
}

# Warm the page cache and nginx before anything is timed.
"$raw" "$big_url"
"$raw" "${small_urls[@]}"

: >"$work/records.txt"
started=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
round_loads=()
for round in $(seq "$rounds"); do
  for case in "${cases[@]}"; do
    count=${#tools[@]}
    repeats=1
    [[ $case == *small_* ]] && repeats=$small_repeat
    for ((r = 0; r < repeats; ++r)); do
      for ((k = 0; k < count; ++k)); do
        tool=${tools[$(((k + round - 1 + r) % count))]}
        command_for "$case" "$tool" || continue
        measure "$case" "$tool" "$round.$r"
      done
    done
  done
  round_loads+=("$(cut -d' ' -f1 /proc/loadavg)")
  echo "run.sh: round $round/$rounds done ($(($(date +%s) - started)) s, load ${round_loads[-1]})" >&2
done

load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- report --------------------------------------------------------------------------
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
stat_of() {  # case tool column(4 seconds | 5 peak KiB | 7 CPU seconds) [min|max] -> median, or the extreme
  local pick=median
  [[ $3 == 5 || ${4:-} == max ]] && pick="sort -g | tail -n 1"
  [[ ${4:-} == min ]] && pick="sort -g | head -n 1"
  awk -v c="$1" -v t="$2" -v k="$3" '$1 == c && $2 == t && $6 == "ok" { print $k }' "$work/records.txt" |
    eval "$pick"
}
failures_of() { awk -v c="$1" -v t="$2" '$1 == c && $2 == t && $6 != "ok"' "$work/records.txt" | wc -l; }

report=$work/report.md
{
  echo "# OpenInet benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- commit $(git -C "$source_dir" rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) cores, $(uname -sr)"
  echo "- nginx $(nginx -v 2>&1 | sed 's|.*/||') ($nginx_workers worker)$([[ $run_ftp == 1 ]] &&
         echo ", vsftpd $(dpkg-query -W -f='${Version}' vsftpd 2>/dev/null)")," \
       "$(curl --version | head -n 1 | cut -d' ' -f1-2)," \
       "$(wget --version | head -n 1 | cut -d' ' -f1-3)$(command -v aria2c >/dev/null && echo ", $(aria2c --version | head -n 1)")"
  echo "- $rounds round(s), tools alternating round-robin; (b) cases run $small_repeat times per tool and round," \
       "also in turns; seconds = median wall time of the whole process over all runs; peak RSS = largest of the runs"
  echo "- load average (1/5/15 min) before the runs: $load_before, after: $load_after;" \
       "1-min load after each round: ${round_loads[*]}"
  [[ $run_http == 1 ]] &&
    echo "- ratio, HTTP: case (a) time / raw reader time (lower is better);" \
         "case (b) rate / libcurl-multi rate (higher is better)"
  [[ $run_ftp == 1 ]] &&
    echo "- ratio, FTP: time / curl's time (lower is better). curl 7.88 and libcurl stall for" \
         "1 s before some transfers on a reused FTP connection (see bench/README.md): for the" \
         "one-connection case compare with raw"
  echo
  echo "| case | tool | median s | min-max s | rate | CPU s | peak RSS MiB | ratio | openinet target |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
  for case in "${cases[@]}"; do
    case $case in
      ftp_*) reference=curl ;;
      big_*) reference=raw ;;
      *) reference=libcurl-multi ;;
    esac
    reference_seconds=$(stat_of "$case" "$reference" 4)
    curl_seconds=$(stat_of "$case" curl 4)
    curl_peak=$(stat_of "$case" curl 5)
    for tool in "${tools[@]}"; do
      # Rows only for the tools of the case's protocol.
      case $case:$tool in
        ftp_*:aria2c) continue ;;
        small_par:openinet-*-50conns) ;;
        *:openinet-*-50conns) continue ;;
        ftp_big_file:openinet-ftpgetfile) ;;
        *:openinet-ftpgetfile) continue ;;
      esac
      if ! command_for "$case" "$tool"; then
        case $tool:$case in
          openinet-*) note="not built" ;;
          wget:small_par | wget:ftp_small_par) note="n/a (no parallel mode)" ;;
          raw:ftp_small_par) note="n/a (one connection only)" ;;
          aria2c:*) note="n/a (only case b, 50 at a time)" ;;
          *) note=n/a ;;
        esac
        echo "| ${case_title[$case]} | $tool | $note | | | | | | |"
        continue
      fi
      seconds=$(stat_of "$case" "$tool" 4)
      failed=$(failures_of "$case" "$tool")
      if [[ -z $seconds ]]; then
        echo "| ${case_title[$case]} | $tool | FAILED ($failed runs) | | | | | | |"
        continue
      fi
      peak=$(stat_of "$case" "$tool" 5)
      cpu=$(stat_of "$case" "$tool" 7)
      spread="$(stat_of "$case" "$tool" 4 min)-$(stat_of "$case" "$tool" 4 max)"
      failed_note=
      [[ $failed -gt 0 ]] && failed_note=" ($failed failed)"
      target=
      if [[ $case == ftp_big_* ]]; then
        rate=$(awk -v b="$big_bytes" -v s="$seconds" 'BEGIN { printf "%.0f MB/s", b / s / 1e6 }')
        ratio=$(awk -v s="$seconds" -v c="$curl_seconds" 'BEGIN { if (c > 0) printf "%.2f", s / c }')
        if [[ $tool == openinet-* ]]; then
          target=$(awk -v s="$seconds" -v c="$curl_seconds" -v p="$peak" -v cp="$curl_peak" \
            'BEGIN { ok = c > 0 && s / c <= 1.05 && p <= cp
                     printf "%s (<= 1.05x curl, RSS <= curl)", ok ? "met" : "MISSED" }')
        fi
      elif [[ $case == ftp_* ]]; then
        rate=$(awk -v n="$small_count" -v s="$seconds" 'BEGIN { printf "%.0f files/s", n / s }')
        ratio=$(awk -v s="$seconds" -v c="$curl_seconds" 'BEGIN { if (c > 0) printf "%.2f", s / c }')
        if [[ $tool == openinet-* ]]; then
          target=$(awk -v s="$seconds" -v c="$curl_seconds" -v p="$peak" -v cp="$curl_peak" \
            'BEGIN { ok = c > 0 && s < c && p <= cp
                     printf "%s (< curl, RSS <= curl)", ok ? "met" : "MISSED" }')
        fi
      elif [[ $case == big_* ]]; then
        rate=$(awk -v b="$big_bytes" -v s="$seconds" 'BEGIN { printf "%.0f MB/s", b / s / 1e6 }')
        ratio=$(awk -v s="$seconds" -v r="$reference_seconds" 'BEGIN { if (r > 0) printf "%.2f", s / r }')
        if [[ $tool == openinet-* ]]; then
          target=$(awk -v s="$seconds" -v r="$reference_seconds" -v c="$curl_seconds" -v p="$peak" -v cp="$curl_peak" \
            'BEGIN { ok = r > 0 && s / r <= 1.10 && (c == "" || s < c) && (cp == "" || p <= cp)
                     printf "%s (<= 1.10x raw, < curl, RSS <= curl)", ok ? "met" : "MISSED" }')
        fi
      else
        rate=$(awk -v n="$small_count" -v s="$seconds" 'BEGIN { printf "%.0f req/s", n / s }')
        ratio=$(awk -v s="$seconds" -v r="$reference_seconds" 'BEGIN { if (r > 0) printf "%.2f", r / s }')
        if [[ $tool == openinet-* ]]; then
          target=$(awk -v s="$seconds" -v r="$reference_seconds" \
            'BEGIN { ok = r > 0 && s <= r; printf "%s (>= libcurl-multi rate)", ok ? "met" : "MISSED" }')
        fi
      fi
      peak_mib=$(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }')
      echo "| ${case_title[$case]} | $tool | $seconds$failed_note | $spread | $rate | $cpu | $peak_mib | $ratio | $target |"
    done
  done
} >"$report"

cat "$report"
mkdir -p "$source_dir/bench/results"
result_file=$source_dir/bench/results/$(date -u +%Y-%m-%d-%H%M).md
cp "$report" "$result_file"
echo "run.sh: results written to $result_file" >&2
