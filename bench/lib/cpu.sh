# shellcheck shell=bash
# Where the cores go during a run, for the bench scripts that print CPU time per request beside
# each rate: CPU ticks of processes (/proc/PID/stat), the machine's idle ticks (/proc/stat,
# iowait included), and the idle share of a run. Source it; it defines `hz` and the functions.
hz=$(getconf CLK_TCK)
cpu_ticks() {  # PID...: user + system ticks of these processes so far
  local t=0 p
  for p in "$@"; do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done
  echo "$t"
}
idle_ticks() { awk '/^cpu / {print $5+$6}' /proc/stat; }
idle_percent() {  # IDLE_TICKS_BEFORE IDLE_TICKS_AFTER SECONDS_ELAPSED
  awk -v t=$(($2 - $1)) -v hz="$hz" -v n="$(nproc)" -v s="$3" 'BEGIN {printf "%.0f", 100 * t / (hz * n * s)}'
}
