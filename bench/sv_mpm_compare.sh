#!/usr/bin/env bash
# sv_mpm_compare.sh - every suricata-verify test run twice, with Tarsier's
# Hyperscan prefilter (--mpm hs) and with the embedded Aho-Corasick (--mpm ac);
# the alerts of each test (sid, packet, time, addresses, ports) must be the
# same. Prints each matcher's pass/fail counts (the tests' own checks) and the
# tests whose alerts differ; exits 1 when any does.
#
# Usage: bench/sv_mpm_compare.sh [-j N] [--list FILE] [PATTERN...]
#   default: all tests of ../shared/corpus/suricata-verify, -j 2.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=2
SV_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    -j) JOBS=$2; shift 2 ;;
    --list) SV_ARGS+=(--list "$2"); shift 2 ;;
    *) SV_ARGS+=("$1"); shift ;;
  esac
done
DENO=${DENO:-$(npx -y deno@2.9.6 eval 'console.log(Deno.execPath())')}
TOOLS=../shared/tools
OUT=$(mktemp -d /tmp/tarsier-sv-mpm.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

for mpm in hs ac; do
  start=$(date +%s)
  python3 "$TOOLS/sv-run.py" --sv-root ../shared/corpus/suricata-verify -j "$JOBS" -q --keep \
    --outdir "$OUT/$mpm" --json "$OUT/$mpm.json" "${SV_ARGS[@]}" \
    --cmd "$DENO task --config $PWD/deno.json -q tarsier scan -r {pcap} -S {rules} -l {outdir} {config_opt} {args} --mpm $mpm --mpm-cache-dir $OUT/cache" \
    > "$OUT/$mpm.log" 2>&1 || true
  echo "$mpm: $(tail -1 "$OUT/$mpm.log") ($(($(date +%s) - start)) s)"
done

python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
def alerts(root):
    found = {}
    for dirpath, _, files in os.walk(root):
        if "eve.json" not in files:
            continue
        rows = []
        for line in open(os.path.join(dirpath, "eve.json"), errors="replace"):
            try:
                r = json.loads(line)
            except ValueError:
                continue
            if r.get("event_type") == "alert":
                rows.append((r["alert"]["signature_id"], r.get("pcap_cnt"), r.get("timestamp"),
                             r.get("src_ip"), r.get("src_port"), r.get("dest_ip"), r.get("dest_port")))
        found[os.path.relpath(dirpath, root)] = sorted(rows, key=repr)
    return found
hs, ac = alerts(os.path.join(out, "hs")), alerts(os.path.join(out, "ac"))
tests = sorted(set(hs) | set(ac))
differ = [t for t in tests if hs.get(t) != ac.get(t)]
with_alerts = sum(1 for t in tests if ac.get(t))
total = sum(len(ac.get(t, [])) for t in tests)
print(f"{len(tests)} tests with output, {with_alerts} with alerts ({total} alerts with ac); "
      f"alerts identical with hs and ac in {len(tests) - len(differ)}, different in {len(differ)}")
for t in differ[:20]:
    print(f"  DIFFERENT {t}: hs {len(hs.get(t, []))} alerts, ac {len(ac.get(t, []))}")
sys.exit(1 if differ else 0)
PY
