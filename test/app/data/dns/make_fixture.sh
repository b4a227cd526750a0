#!/bin/sh
# Record what Suricata 7.0.x logs (dns records, alerts, anomalies) for the DNS
# test captures: crafted.pcap (from make_crafted.py) and the dns flows of the
# shared corpus. Run from this folder; commits the *.eve.json fixtures.
set -e
out=$(mktemp -d)
run() { # pcap name
  suricata -r "$1" -S fixture.rules -l "$out" -k none --runmode single
  grep -E '"event_type":"(dns|alert|anomaly)"' "$out/eve.json" > "$2.eve.json"
  rm -f "$out"/*
}
run crafted.pcap crafted
run /work/shared/corpus/pcap/traffic-small.pcap traffic_small
rmdir "$out"
