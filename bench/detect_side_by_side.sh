#!/usr/bin/env bash
# detect_side_by_side.sh - Tarsier vs Suricata 7 on the same pcap and rules, in
# one run: rules loaded, alerts (same sids? recall/precision by (sid, flow)),
# start-up and packet-processing time, whole-process time, peak RSS, and the
# ratios.
#
# Usage: bench/detect_side_by_side.sh PCAP [RULES] [--mpm ac|hs] [--runs N] [--eve full|alert]
#   --eve full (default): both write Suricata's default EVE records (alert, anomaly,
#   http, dns, tls, ..., flow, stats); alert: Suricata writes alerts only (Tarsier still
#   writes its default records, so that comparison flatters Suricata).
#   RULES defaults to ../shared/corpus/rules/et-open (a folder or a file).
#   --mpm   the prefilter matcher of BOTH tools (default ac): Suricata's mpm-algo
#           (hs also sets spm-algo hs) and Tarsier's --mpm. With hs, Tarsier's
#           compiled databases are cached in $TARSIER_MPM_CACHE (default
#           /tmp/tarsier-bench-mpm-cache), so only the first run compiles them.
set -euo pipefail
cd "$(dirname "$0")/.."
PCAP=${1:?usage: bench/detect_side_by_side.sh PCAP [RULES] [--mpm ac|hs] [--runs N]}
shift
RULES=../shared/corpus/rules/et-open
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then RULES=$1; shift; fi
MPM=ac
RUNS=1
EVE=full
while [ $# -gt 0 ]; do
  case "$1" in
    --mpm) MPM=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --eve) EVE=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
DENO=${DENO:-$(npx -y deno@2.9.6 eval 'console.log(Deno.execPath())')}
TOOLS=../shared/tools
OUT=$(mktemp -d /tmp/tarsier-side.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
cat "$PCAP" > /dev/null

# Suricata: the same rule files (a folder: every *.rules in name order)
sline=$(bash "$TOOLS/suricata-baseline.sh" "$PCAP" "$RULES" --runmode single --mpm "$MPM" \
  --eve "$EVE" --runs "$RUNS" --keep "$OUT/suricata")
echo "suricata: $sline"
kv() { echo "$sline" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# Tarsier: the same rules; summary JSON gives start-up and processing time
# (a folder is read as every *.rules in it, in name order, as Suricata's baseline does)
rules_args=(--rules "$RULES")
mkdir -p "$OUT/tarsier"
/usr/bin/time -f 'TIME %e %M' "$DENO" task -q tarsier scan "$PCAP" "${rules_args[@]}" \
  --mpm "$MPM" --mpm-cache-dir "${TARSIER_MPM_CACHE:-/tmp/tarsier-bench-mpm-cache}" \
  -l "$OUT/tarsier" --summary json --no-progress > "$OUT/tarsier/summary.json" 2> "$OUT/tarsier/stderr" || true
read -r _ t_wall t_rss < <(grep '^TIME' "$OUT/tarsier/stderr")
python3 - "$OUT/tarsier/summary.json" "$t_wall" "$t_rss" "$(kv loaded)" "$(kv failed)" "$(kv engine_s)" \
  "$(kv wall_s)" "$(kv maxrss_mib)" "$(kv alerts)" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
t_wall, t_rss = float(sys.argv[2]), float(sys.argv[3]) / 1024
s_loaded, s_failed, s_engine, s_wall, s_rss, s_alerts = map(float, sys.argv[4:10])
r = s["rules"]
print(f"tarsier:  loaded={r['loaded']} evaluated={r['evaluated']} waiting={r['waiting']} "
      f"skipped={r['skipped']} alerts={s['alerts']} startup_s={s['startup_s']} "
      f"engine_s={s['elapsed_s']} wall_s={t_wall} maxrss_mib={t_rss:.0f} pps={s['pps']}")
print(f"tarsier matcher: {r.get('matcher_detail', r['matcher'])}")
print("tarsier skipped by reason (top 10):")
for k, v in list(r["skipped_by_reason"].items())[:10]:
    print(f"  {v:6d}  {k}")
print("--- ratios (higher is better for Tarsier)")
print(f"rules loaded, tarsier / suricata:        {r['loaded'] / s_loaded:.3f}  (target >= 0.90)")
print(f"rules evaluated, tarsier / suricata:     {r['evaluated'] / s_loaded:.3f}")
print(f"packet processing, suricata / tarsier:   {s_engine / s['elapsed_s']:.2f}x  (target >= 1.0 with hs)")
print(f"start-up, tarsier / suricata:            {s['startup_s'] / max(s_wall - s_engine, 1e-9):.2f}  (suricata: wall - engine)")
print(f"whole process, suricata / tarsier:       {s_wall / t_wall:.2f}x  (target >= 0.5 with ac)")
print(f"peak RSS, tarsier / suricata:            {t_rss / s_rss:.2f}  (target <= 1)")
PY
python3 "$TOOLS/alert-diff.py" "$OUT/suricata/eve.json" "$OUT/tarsier/eve.json" | tail -1
