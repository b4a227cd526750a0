#!/usr/bin/env bash
# decode_side_by_side.sh - decode-only throughput of Tarsier, side by side with
# `tcpdump -r F -w /dev/null` and Suricata 7 (--runmode single, no rules) on the
# same file in the same run. Prints each tool's figures and the ratios.
#
# Usage: bench/decode_side_by_side.sh PCAP [--runs N]
#   The "big corpus" is made once with:
#   bash ../shared/corpus/make-traffic.sh -o /tmp/corpus/big.pcap
set -euo pipefail
cd "$(dirname "$0")/.."
PCAP=${1:?usage: bench/decode_side_by_side.sh PCAP [--runs N]}
RUNS=3
[ "${2:-}" = "--runs" ] && RUNS=${3:?}
# The deno binary itself (not npx, whose own start-up would be timed too).
DENO=${DENO:-$(npx -y deno@2.9.6 eval 'console.log(Deno.execPath())')}
TOOLS=../shared/tools

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Warm the page cache so every tool reads from memory.
cat "$PCAP" > /dev/null

echo "file: $PCAP ($(stat -c %s "$PCAP") bytes), $RUNS runs each, medians"

# ---- Tarsier: loop time from its own summary, whole process from /usr/bin/time
t_loop=(); t_wall=(); t_rss=()
for _ in $(seq "$RUNS"); do
  out=$(/usr/bin/time -f 'TIME %e %M' "$DENO" task -q tarsier scan "$PCAP" --summary json --no-progress 2>/tmp/tarsier-bench.err)
  t_loop+=("$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["elapsed_s"])')")
  pkts=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["packets"])')
  bytes=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes"])')
  read -r _ wall rss < <(grep '^TIME' /tmp/tarsier-bench.err)
  t_wall+=("$wall"); t_rss+=("$rss")
done
tl=$(printf '%s\n' "${t_loop[@]}" | median)
tw=$(printf '%s\n' "${t_wall[@]}" | median)
trss=$(printf '%s\n' "${t_rss[@]}" | median)
echo "tarsier:  packets=$pkts loop_s=$tl wall_s=$tw maxrss_mib=$((trss / 1024)) " \
  "loop_mpps=$(python3 -c "print(f'{$pkts/$tl/1e6:.3f}')") loop_gbps=$(python3 -c "print(f'{$bytes*8/$tl/1e9:.2f}')")" \
  "wall_mpps=$(python3 -c "print(f'{$pkts/$tw/1e6:.3f}')")"

# ---- tcpdump: whole process
d_wall=()
if command -v tcpdump >/dev/null; then
  for _ in $(seq "$RUNS"); do
    s=$(date +%s.%N); tcpdump -r "$PCAP" -w /dev/null 2>/dev/null; e=$(date +%s.%N)
    d_wall+=("$(python3 -c "print($e-$s)")")
  done
  dw=$(printf '%s\n' "${d_wall[@]}" | median)
  echo "tcpdump:  wall_s=$(printf %.3f "$dw") mpps=$(python3 -c "print(f'{$pkts/$dw/1e6:.3f}')")"
else
  echo "tcpdump:  not installed (apt-get install tcpdump)"; dw=""
fi

# ---- Suricata 7, single thread, no rules
if command -v suricata >/dev/null; then
  sline=$(bash "$TOOLS/suricata-baseline.sh" "$PCAP" none --runmode single --runs "$RUNS")
  echo "suricata: $sline"
  s_engine_mpps=$(echo "$sline" | tr ' ' '\n' | sed -n 's/^engine_mpps=//p')
  s_rss=$(echo "$sline" | tr ' ' '\n' | sed -n 's/^maxrss_mib=//p')
else
  echo "suricata: not installed (see ../shared/tools/README.md)"; s_engine_mpps=""
fi

echo "--- ratios (higher is better for Tarsier)"
python3 - "$pkts" "$tl" "$tw" "${dw:-0}" "${s_engine_mpps:-0}" "$trss" "${s_rss:-0}" <<'PY'
import sys
pkts, tl, tw, dw, s_mpps, trss, s_rss = map(float, sys.argv[1:])
t_mpps = pkts / tl / 1e6
if s_mpps:
    print(f"tarsier loop rate / suricata engine rate (no rules): {t_mpps / s_mpps:.2f}x  (target >= 3)")
if dw:
    print(f"tarsier loop rate / tcpdump rate:                   {(pkts / tl) / (pkts / dw):.2f}x  (target >= 1)")
    print(f"tarsier whole process / tcpdump whole process:      {dw / tw:.2f}x")
print(f"tarsier peak RSS: {trss / 1024:.0f} MiB (target < 120)" + (f", suricata {s_rss:.0f} MiB" if s_rss else ""))
PY
