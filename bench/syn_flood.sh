#!/usr/bin/env bash
# syn_flood.sh - a flood of new TCP flows, Tarsier vs Suricata 7 (--runmode
# single, -k none), both with rules/starter.yaml (Suricata gets it converted
# to its syntax by `tarsier rules convert`): N distinct SYNs, and M flows
# of handshake + 100 client bytes never acknowledged (bench/syn_flood.ts;
# sources scattered over 10.0.0.0/8, or consecutive with --sequential).
# For each tool: packets, wall time, packet rate, peak RSS, flow and TCP
# counters from the last EVE stats record; then the ratios, and whether
# Tarsier's peak RSS stayed within its memory budget + 20%:
#   baseline (peak RSS scanning test/data/demo.pcap with the same rules)
#   + flow.memcap (all per-flow state; sets the flow table's capacity)
#   + stream.reassembly.memcap (the reassembly arena)
# as configured: the built-in defaults, or what --set gives. --set is passed
# to both tools, so Suricata runs under the same memcaps. Both write EVE as
# configured by default (flow records and stats included).
#
# Usage: bench/syn_flood.sh [PCAP_DIR] [--count N] [--data-flows N] [--sequential] [--runs N]
#                           [--set KEY=VALUE]...
#   PCAP_DIR      where the pcaps are made when missing (default /tmp/tarsier-syn-flood):
#                 syn-N.pcap (N SYNs, default 1000000), data-M.pcap (M flows x 4 packets,
#                 default 300000; --data-flows 0 skips it); syn-seq-N.pcap, data-seq-M.pcap
#                 with --sequential
#   --runs N      scans per tool and pcap (default 1): median times, largest peak RSS
# Exits 1 when a scan fails or Tarsier's peak RSS is over the budget.
set -euo pipefail
PCAP_DIR=/tmp/tarsier-syn-flood
COUNT=1000000
DATA_FLOWS=300000
RUNS=1
SEQUENTIAL=""
SETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --count) COUNT=$2; shift 2 ;;
    --data-flows) DATA_FLOWS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --sequential) SEQUENTIAL=--sequential; shift ;;
    --set) SETS+=("$2"); shift 2 ;;
    --*) echo "syn_flood.sh: unknown option $1" >&2; exit 2 ;;
    *) PCAP_DIR=$1; shift ;;
  esac
done
PCAP_DIR=$(realpath -m "$PCAP_DIR")
cd "$(dirname "$0")/.."
DENO=${DENO:-$(npx -y deno@2.9.6 eval 'console.log(Deno.execPath())')}
RULES=rules/starter.yaml
OUT=$(mktemp -d /tmp/tarsier-syn-flood-run.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
SURICATA_RULES=$OUT/starter.rules
"$DENO" task -q tarsier rules convert "$RULES" -o "$SURICATA_RULES" 2>/dev/null
status=0

tarsier_sets=(); suricata_sets=()
for s in "${SETS[@]}"; do tarsier_sets+=(--set "$s"); suricata_sets+=(--set "$s"); done

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
secs() { awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }' <<< "$1"; }
# time_of FILE -> "wall_s peak_rss_kib status" from /usr/bin/time -v; status is the
# exit status, or signal-N when the process was killed
time_of() {
  local signal
  signal=$(sed -n 's/.*Command terminated by signal \([0-9]*\).*/signal-\1/p' "$1")
  echo "$(secs "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1")")" \
    "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$1")" \
    "${signal:-$(sed -n 's/.*Exit status: //p' "$1")}"
}

# ---- the pcaps
mkdir -p "$PCAP_DIR"
pcaps=()
tag=${SEQUENTIAL:+seq-}
make_pcap() { # file flows [--with-data]
  [ -s "$1" ] ||
    "$DENO" run --allow-write bench/syn_flood.ts "$1" --count "$2" $SEQUENTIAL "${@:3}"
  pcaps+=("$1")
}
make_pcap "$PCAP_DIR/syn-$tag$COUNT.pcap" "$COUNT"
if [ "$DATA_FLOWS" -gt 0 ]; then
  make_pcap "$PCAP_DIR/data-$tag$DATA_FLOWS.pcap" "$DATA_FLOWS" --with-data
fi

# ---- the budget Tarsier is configured with (its own config loader, same --set)
read -r flow_memcap capacity reasm_memcap < <("$DENO" eval --ext=ts "
import { loadConfig } from './src/rules/config.ts';
import { flowTableOptions, reassemblyOptions } from './src/flow/flow_config.ts';
import { FlowStage } from './src/flow/flow_tracker.ts';
const { config } = loadConfig({ sets: JSON.parse(Deno.args[0]) });
const flowMemcap = config.getSize('flow.memcap', 128 * 1024 * 1024);
const reassembly = reassemblyOptions(config);
const capacity = FlowStage.capacityFor(flowMemcap, { ...flowTableOptions(config), reassembly }, 0);
console.log(flowMemcap, capacity, reassembly.memcap);
" "$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "${SETS[@]}")")
if [ -z "${reasm_memcap:-}" ]; then
  echo "syn_flood.sh: could not read Tarsier's flow and reassembly memcaps" >&2
  exit 1
fi
flow_mib=$((flow_memcap / 1048576))
reasm_mib=$((reasm_memcap / 1048576))

# tarsier_scan PCAP DIR -> "wall_s peak_rss_kib status"; summary.json and stderr in DIR
tarsier_scan() {
  mkdir -p "$2"
  /usr/bin/time -v -o "$2/time.txt" "$DENO" task -q tarsier scan -r "$1" -S "$RULES" -l "$2" \
    --summary json --no-progress -k none "${tarsier_sets[@]}" > "$2/summary.json" 2> "$2/stderr" || true
  time_of "$2/time.txt"
}
tarsier_cmd() { echo "deno task tarsier scan -r $1 -S $RULES -l DIR --summary json -k none ${tarsier_sets[*]}"; }

read -r _ base_kib base_rc < <(tarsier_scan test/data/demo.pcap "$OUT/baseline")
if [ "$base_rc" != 0 ]; then
  echo "tarsier failed on the baseline ($base_rc): $(tarsier_cmd test/data/demo.pcap)"
  tail -5 "$OUT/baseline/stderr"
  exit 1
fi
base_mib=$((base_kib / 1024))
budget=$((base_mib + flow_mib + reasm_mib))
limit=$((budget * 12 / 10))
echo "tarsier memory budget: baseline ${base_mib} MiB (peak RSS on test/data/demo.pcap)" \
  "+ flow.memcap ${flow_mib} MiB (${capacity} flows) + stream.reassembly.memcap ${reasm_mib} MiB" \
  "= ${budget} MiB; +20% = ${limit} MiB${SETS[*]:+ (--set ${SETS[*]})}"
echo "suricata $(suricata -V | sed -n 's/.*version \([^ ]*\).*/\1/p'):" \
  "$(suricata --dump-config "${suricata_sets[@]}" 2>/dev/null |
    grep -E '^(flow\.memcap|stream\.memcap|stream\.reassembly\.memcap) ' | paste -sd, | sed 's/,/, /g')"

for pcap in "${pcaps[@]}"; do
  cat "$pcap" > /dev/null # page cache
  echo "--- $(basename "$pcap") ($(stat -c %s "$pcap") bytes)"

  # ---- Tarsier
  walls=(); loops=(); rss=0; failed=""
  for r in $(seq "$RUNS"); do
    dir="$OUT/tarsier-$r"
    rm -rf "$dir"
    read -r wall kib rc < <(tarsier_scan "$pcap" "$dir")
    if [ "$rc" != 0 ]; then failed="$rc"; break; fi
    walls+=("$wall"); [ "$kib" -gt "$rss" ] && rss=$kib
    loops+=("$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["elapsed_s"])' \
      "$dir/summary.json")")
  done
  if [ -n "$failed" ]; then
    echo "tarsier:  FAILED ($failed): $(tarsier_cmd "$pcap")"
    sed 's/^/  | /' "$dir/stderr" | tail -20
    status=1
  else
    t_wall=$(printf '%s\n' "${walls[@]}" | median)
    t_mib=$((rss / 1024))
    python3 - "$dir/summary.json" "$dir/eve.json" "$t_wall" "$t_mib" \
      "$(printf '%s\n' "${loops[@]}" | median)" <<'PY'
import json, os, sys
summary, eve, wall, mib, loop = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
s = json.load(open(summary))
with open(eve, "rb") as f:  # the stats record is the last line
    f.seek(max(0, os.path.getsize(eve) - 65536))
    st = json.loads(f.read().splitlines()[-1])["stats"]
fl, tcp, pk = st["flow"], st["tcp"], s["packets"]
print(f"tarsier:  packets={pk} wall_s={wall:.2f} kpps={pk / wall / 1e3:.0f} "
      f"loop_s={loop:.2f} loop_kpps={pk / loop / 1e3:.0f} peak_rss_mib={mib}")
print(f"          flows={fl['total']} emergencies={fl['emerg_mode_entered']} "
      f"evicted={fl['end']['forced']} tcp_sessions={tcp['sessions']} segments={tcp['segments']} "
      f"segment_memcap_drops={tcp['segment_memcap_drop']} "
      f"eve_mib={os.path.getsize(eve) / 2**20:.0f}")
PY
  fi

  # ---- Suricata 7
  walls=(); engines=(); s_rss=0; s_failed=""
  for r in $(seq "$RUNS"); do
    sdir="$OUT/suricata-$r"
    rm -rf "$sdir"; mkdir -p "$sdir"
    /usr/bin/time -v -o "$sdir/time.txt" suricata -r "$pcap" -S "$SURICATA_RULES" -l "$sdir" \
      --runmode single -k none "${suricata_sets[@]}" > "$sdir/stdout" 2>&1 || true
    read -r wall kib rc < <(time_of "$sdir/time.txt")
    if [ "$rc" != 0 ]; then s_failed="$rc"; break; fi
    walls+=("$wall"); [ "$kib" -gt "$s_rss" ] && s_rss=$kib
    engines+=("$(sed -n 's/.*time elapsed \([0-9.]*\)s.*/\1/p' "$sdir/suricata.log" | tail -1)")
  done
  if [ -n "$s_failed" ]; then
    echo "suricata: FAILED ($s_failed)"; tail -5 "$sdir/stdout"; status=1
  else
    s_wall=$(printf '%s\n' "${walls[@]}" | median)
    s_mib=$((s_rss / 1024))
    python3 - "$sdir/suricata.log" "$sdir/eve.json" "$s_wall" "$s_mib" \
      "$(printf '%s\n' "${engines[@]}" | median)" <<'PY'
import json, os, re, sys
log, eve, wall, mib, engine = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
pk = int(re.findall(r"read \d+ files?, (\d+) packets", open(log).read())[-1])
st = None
with open(eve) as f:
    for line in f:
        if '"event_type":"stats"' in line:
            st = json.loads(line)["stats"]
fl, tcp = st["flow"], st["tcp"]
print(f"suricata: packets={pk} wall_s={wall:.2f} kpps={pk / wall / 1e3:.0f} "
      f"engine_s={engine:.2f} engine_kpps={pk / engine / 1e3:.0f} peak_rss_mib={mib}")
print(f"          flows={fl['total']} emergencies={fl['emerg_mode_entered']} "
      f"packets_without_flow={fl['get_used_failed']} tcp_sessions={tcp['sessions']} "
      f"ssn_memcap_drops={tcp['ssn_memcap_drop']} segment_memcap_drops={tcp['segment_memcap_drop']} "
      f"eve_mib={os.path.getsize(eve) / 2**20:.0f}")
PY
  fi

  if [ -z "$failed" ]; then
    if [ -z "$s_failed" ]; then
      python3 -c "print('ratios: wall time suricata/tarsier %.2fx, peak RSS tarsier/suricata %.2f'
        % ($s_wall / $t_wall, $t_mib / $s_mib))"
    fi
    verdict=within
    if [ "$t_mib" -gt "$limit" ]; then verdict=OVER; status=1; fi
    echo "tarsier peak RSS ${t_mib} MiB vs budget ${budget} MiB (+20% = ${limit} MiB): ${verdict}"
  fi
done
exit "$status"
