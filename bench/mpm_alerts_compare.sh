#!/usr/bin/env bash
# mpm_alerts_compare.sh - one capture scanned by Tarsier with the Hyperscan
# prefilter (--mpm hs) and with the embedded Aho-Corasick (--mpm ac), same
# rules: the alerts (sid, packet, time, addresses, ports) must be identical.
# Prints both runs' start-up, packet-processing time and rate, peak RSS, and
# the ac / hs processing ratio; exits 1 when the alerts differ.
#
# Usage: bench/mpm_alerts_compare.sh PCAP [RULES]
#   RULES defaults to ../shared/corpus/rules/et-open (a folder or a file).
set -euo pipefail
cd "$(dirname "$0")/.."
PCAP=${1:?usage: bench/mpm_alerts_compare.sh PCAP [RULES]}
RULES=${2:-../shared/corpus/rules/et-open}
DENO=${DENO:-$(npx -y deno@2.9.6 eval 'console.log(Deno.execPath())')}
OUT=$(mktemp -d /tmp/tarsier-mpm-alerts.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
cat "$PCAP" > /dev/null

for mpm in hs ac; do
  mkdir -p "$OUT/$mpm"
  /usr/bin/time -f 'TIME %e %M' "$DENO" task -q tarsier scan "$PCAP" --rules "$RULES" \
    --mpm "$mpm" --mpm-cache-dir "$OUT/cache" -l "$OUT/$mpm" --summary json --no-progress \
    > "$OUT/$mpm/summary.json" 2> "$OUT/$mpm/stderr" || { tail -3 "$OUT/$mpm/stderr" >&2; exit 1; }
done

python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
def run(mpm):
    s = json.load(open(os.path.join(out, mpm, "summary.json")))
    wall, rss = next(l.split()[1:3] for l in open(os.path.join(out, mpm, "stderr")) if l.startswith("TIME"))
    alerts = []
    for line in open(os.path.join(out, mpm, "eve.json")):
        r = json.loads(line)
        if r.get("event_type") == "alert":
            alerts.append((r["alert"]["signature_id"], r.get("pcap_cnt"), r.get("timestamp"),
                           r.get("src_ip"), r.get("src_port"), r.get("dest_ip"), r.get("dest_port")))
    return s, float(wall), float(rss) / 1024, sorted(alerts, key=repr)
hs, ac = run("hs"), run("ac")
for name, (s, wall, rss, alerts) in (("hs", hs), ("ac", ac)):
    print(f"{name}: alerts={len(alerts)} startup_s={s['startup_s']} processing_s={s['elapsed_s']:.3f} "
          f"pps={s['pps']} wall_s={wall} maxrss_mib={rss:.0f}  [{s['rules'].get('matcher_detail', '')}]")
print(f"packet processing, ac / hs: {ac[0]['elapsed_s'] / hs[0]['elapsed_s']:.2f}x")
if hs[3] == ac[3]:
    print(f"alerts identical with hs and ac ({len(hs[3])} alerts, {len(set(a[0] for a in hs[3]))} sids)")
else:
    only_hs = [a for a in hs[3] if a not in ac[3]]
    only_ac = [a for a in ac[3] if a not in hs[3]]
    print(f"alerts DIFFER: {len(only_hs)} only with hs, {len(only_ac)} only with ac")
    for a in (only_hs + only_ac)[:10]:
        print("  ", a)
    sys.exit(1)
PY
