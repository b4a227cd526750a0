#!/usr/bin/env bash
# flow_flood.sh - a flood of new flows, Tarsier vs Suricata 7: one million
# distinct SYNs, and 300,000 handshakes each leaving 100 unacknowledged bytes
# in reassembly. Prints packets, wall time, peak RSS, flows tracked, and
# whether Tarsier's peak RSS stays within its memory budget (baseline RSS on
# the demo capture + flow.memcap + stream.reassembly.memcap) + 20%.
#
# Usage: bench/flow_flood.sh [--count N] [--data-flows N]
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=1000000
DATA_FLOWS=300000
while [ $# -gt 0 ]; do
  case "$1" in
    --count) COUNT=$2; shift 2 ;;
    --data-flows) DATA_FLOWS=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
DENO=${DENO:-$(npx -y deno@2.9.6 eval 'console.log(Deno.execPath())')}
OUT=$(mktemp -d /tmp/tarsier-flood.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
"$DENO" run --allow-write bench/flow_flood.ts "$OUT/syn.pcap" --count "$COUNT"
"$DENO" run --allow-write bench/flow_flood.ts "$OUT/data.pcap" --count "$DATA_FLOWS" --with-data

# memory budget from the shipped configuration (what tarsier uses without -c)
FLOW_MEMCAP_MIB=128
REASSEMBLY_MEMCAP_MIB=256

tarsier() { # pcap outdir -> "wall_s rss_mib stats-json"
  /usr/bin/time -f '%e %M' -o "$2.time" "$DENO" task -q tarsier scan "$1" --rules rules/demo.rules \
    -l "$2" --summary json > /dev/null 2>&1
  read -r wall rss < "$2.time"
  echo "$wall $((rss / 1024))"
}

mkdir -p "$OUT/base"
read -r _ base_rss <<< "$(tarsier test/data/demo.pcap "$OUT/base")"
echo "tarsier baseline (demo capture): peak RSS ${base_rss} MiB"

for kind in syn data; do
  pcap="$OUT/$kind.pcap"
  mkdir -p "$OUT/t-$kind" "$OUT/s-$kind"
  read -r twall trss <<< "$(tarsier "$pcap" "$OUT/t-$kind")"
  tflows=$(grep -c '"event_type":"flow"' "$OUT/t-$kind/eve.json" || true)
  tstats=$(tail -1 "$OUT/t-$kind/eve.json" | python3 -c '
import json, sys
s = json.load(sys.stdin)["stats"]
print("emergencies=%d forced_evictions=%d sessions=%d segments=%d segment_memcap_drops=%d" % (
  s["flow"]["emerg_mode_entered"], s["flow"]["end"]["forced"], s["tcp"]["sessions"],
  s["tcp"]["segments"], s["tcp"]["segment_memcap_drop"]))')
  /usr/bin/time -f '%e %M' -o "$OUT/s-$kind.time" suricata -r "$pcap" -S rules/demo.rules \
    -l "$OUT/s-$kind" --runmode single -k none > /dev/null 2>&1
  read -r swall srss < "$OUT/s-$kind.time"
  srss=$((srss / 1024))
  sflows=$(grep -c '"event_type":"flow"' "$OUT/s-$kind/eve.json" || true)
  sstats=$(grep '"event_type":"stats"' "$OUT/s-$kind/eve.json" | tail -1 | python3 -c '
import json, sys
s = json.load(sys.stdin)["stats"]
print("emergencies=%d sessions=%d ssn_memcap_drops=%d segment_memcap_drops=%d" % (
  s["flow"]["emerg_mode_entered"], s["tcp"]["sessions"], s["tcp"]["ssn_memcap_drop"],
  s["tcp"]["segment_memcap_drop"]))')
  size=$(stat -c %s "$pcap")
  budget=$((base_rss + FLOW_MEMCAP_MIB))
  if [ "$kind" = data ]; then budget=$((budget + REASSEMBLY_MEMCAP_MIB)); fi
  limit=$((budget * 12 / 10))
  verdict=$([ "$trss" -le "$limit" ] && echo within || echo OVER)
  echo "--- $kind flood ($(basename "$pcap"), $size bytes)"
  echo "tarsier:  wall ${twall}s peak RSS ${trss} MiB, flow records ${tflows}; $tstats"
  echo "suricata: wall ${swall}s peak RSS ${srss} MiB, flow records ${sflows}; $sstats"
  echo "tarsier RSS ${trss} MiB vs budget ${budget} MiB (+20% = ${limit}): ${verdict}"
  python3 -c "print('wall time, suricata / tarsier: %.2fx' % ($swall / $twall))"
done
