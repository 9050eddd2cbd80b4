# shellcheck shell=bash
# Where the cores go during a run, for the bench scripts that print CPU time per request beside
# each rate: CPU ticks of processes (/proc/PID/stat), the machine's idle ticks (/proc/stat,
# iowait included), and measured_wrk, which runs wrk and puts the two together. Source it.
hz=$(getconf CLK_TCK)
cpu_ticks() {  # PID...: user + system ticks of these processes so far
  local t=0 p
  for p in "$@"; do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done
  echo "$t"
}
idle_ticks() { awk '/^cpu / {print $5+$6}' /proc/stat; }

# measured_wrk OUT PID... -- WRK_ARG...: runs wrk with its report in OUT and prints, per request
# it made, "SERVER_US|WRK_US|IDLE_PERCENT": the CPU time of the PIDs, wrk's own (bash's `time`,
# since wrk shares the cores) and the machine's idle share while it ran. Fails when wrk does.
measured_wrk() {
  local out=$1 pids=() s0 i0 s1 i1 TIMEFORMAT='%3U %3S %3R'
  shift
  while [[ $1 != -- ]]; do pids+=("$1"); shift; done
  shift
  s0=$(cpu_ticks "${pids[@]}") i0=$(idle_ticks)
  { time wrk "$@" >"$out"; } 2>"$out.cpu" || return
  s1=$(cpu_ticks "${pids[@]}") i1=$(idle_ticks)
  awk -v server=$((s1 - s0)) -v idle=$((i1 - i0)) -v hz="$hz" -v cores="$(nproc)" \
    -v times="$(tail -n 1 "$out.cpu")" '/ requests in / {n=$1}
    END {split(times, t, " ");
      printf "%.1f|%.1f|%.0f\n", server / hz * 1e6 / n, (t[1] + t[2]) * 1e6 / n,
        100 * idle / (hz * cores * t[3])}' "$out"
}
