#!/usr/bin/env bash
# startup_side_by_side.sh - start-up with a ruleset: Tarsier with Hyperscan and a
# cold cache, the same with the warm cache, Tarsier with Aho-Corasick, and
# Suricata 7 (--runmode single, mpm-algo hs), in one run, on a tiny capture so
# that start-up dominates.
#
# Usage: bench/startup_side_by_side.sh [RULES] [--runs N]
#   RULES defaults to ../shared/corpus/rules/et-open (a folder or a file).
#
# Tarsier's start-up is its own figure (summary "startup_s": rules read,
# compiled, engine and matchers built) and the whole process's wall time;
# Suricata's is wall - engine (suricata-baseline.sh's init_s: start-up, rule
# load, MPM compile and shutdown). Peak RSS of each (the whole process).
# Each figure is the median of N runs (default 3); the cold cache is a fresh
# directory for every run. The cache directory also keeps the rules' pcre
# translations (with either matcher): "cold" translates them, "warm" and "ac"
# (run after them, in the same directory) read them back.
set -euo pipefail
cd "$(dirname "$0")/.."
RULES=../shared/corpus/rules/et-open
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then RULES=$1; shift; fi
RUNS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
PCAP=test/data/demo.pcap
DENO=${DENO:-$(npx -y deno@2.9.6 eval 'console.log(Deno.execPath())')}
TOOLS=../shared/tools
OUT=$(mktemp -d /tmp/tarsier-startup.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

sline=$(bash "$TOOLS/suricata-baseline.sh" "$PCAP" "$RULES" --runmode single --mpm hs --runs "$RUNS")
echo "suricata: $sline"
kv() { echo "$sline" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# one Tarsier run: prints "startup_s wall_s maxrss_kib matcher_detail"
run() {
  local mpm=$1 cache=$2 n=$3
  mkdir -p "$OUT/t$n"
  /usr/bin/time -f 'TIME %e %M' "$DENO" task -q tarsier scan "$PCAP" --rules "$RULES" \
    --mpm "$mpm" --mpm-cache-dir "$cache" -l "$OUT/t$n" --summary json --no-progress \
    > "$OUT/t$n/summary.json" 2> "$OUT/t$n/stderr" || { tail -3 "$OUT/t$n/stderr" >&2; exit 1; }
  read -r _ wall rss < <(grep '^TIME' "$OUT/t$n/stderr")
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["startup_s"], sys.argv[2], sys.argv[3], s["rules"].get("matcher_detail", s["rules"]["matcher"]).replace(" ", "_"))' \
    "$OUT/t$n/summary.json" "$wall" "$rss"
}

: > "$OUT/results"
n=0
for i in $(seq "$RUNS"); do
  cache="$OUT/cache$i"
  echo "cold $(run hs "$cache" $((n++)))" >> "$OUT/results"
  echo "warm $(run hs "$cache" $((n++)))" >> "$OUT/results"
  echo "ac $(run ac "$cache" $((n++)))" >> "$OUT/results"
done
python3 - "$OUT/results" "$(kv init_s)" "$(kv wall_s)" "$(kv maxrss_mib)" "$RUNS" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
s_init, s_wall, s_rss, runs = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
print(f"median of {runs} runs; tarsier start-up = rules + engine + matchers (its own figure)")
print(f"{'':22}{'start-up s':>11}{'wall s':>9}{'peak RSS MiB':>14}")
print(f"{'suricata 7 (hs)':22}{s_init:11.2f}{s_wall:9.2f}{s_rss:14.0f}   (start-up = wall - engine)")
med = {}
for kind, label in (("cold", "tarsier hs, cold cache"), ("warm", "tarsier hs, warm cache"), ("ac", "tarsier ac")):
    sel = [r for r in rows if r[0] == kind]
    st = statistics.median(float(r[1]) for r in sel)
    wall = statistics.median(float(r[2]) for r in sel)
    rss = statistics.median(float(r[3]) for r in sel) / 1024
    med[kind] = (st, wall, rss)
    print(f"{label:22}{st:11.2f}{wall:9.2f}{rss:14.0f}   {sel[-1][4].replace('_', ' ')}")
print("--- ratios (lower is better for Tarsier)")
print(f"cold start-up, tarsier / suricata:  {med['cold'][0] / s_init:.2f}  (target <= 1)")
print(f"warm start-up, tarsier:             {med['warm'][0]:.2f} s, whole process {med['warm'][1]:.2f} s (target <= 3 s)")
print(f"warm whole process / suricata wall: {med['warm'][1] / s_wall:.2f}")
PY
