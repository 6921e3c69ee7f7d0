#!/usr/bin/env python3
"""check_prometheus.py OUT: what Prometheus answered about iommutop --listen
(tests/vm/guest-prometheus) against the workloads' own records."""
import json
import os
import re
import sys

fails = 0


def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    fails += not ok


def main(out):
    def read(name):
        try:
            return open(os.path.join(out, name), errors="replace").read()
        except FileNotFoundError:
            return ""

    def result(name):
        try:
            return json.loads(read("q-%s.json" % name))["data"]["result"]
        except (ValueError, KeyError):
            return []

    hold_line = [ln for ln in read("hold.out").splitlines() if ln.startswith("hold ")]
    hold = dict(re.findall(r'(\w+)=(\d+)', hold_line[0] if hold_line else ""))
    bench = dict(re.findall(r'(\w+)=(\S+)', read("bench.out") + " " + read("bench.pid")))
    print(f"map_hold says: {hold}")
    print(f"map_bench says: {bench}")

    def series(name):
        return [r for r in result(name) if r["metric"].get("pid") == hold.get("pid")
                and r["metric"].get("ioas") == hold.get("ioas")]

    for name, want in (("mapped", int(hold.get("mapped", -1))),
                       ("pinned", int(hold.get("pinned", -1)) * 4096),
                       ("devices", 1)):
        got = [float(r["value"][1]) for r in series(name)]
        check(got == [want], f"PromQL iommutrace_ioas_{name}{'_bytes' if name != 'devices' else ''}"
              f"{{pid={hold.get('pid')},ioas={hold.get('ioas')}}} = {got}, map_hold: {want}")

    lock = result("lock")
    m = lock[0]["metric"] if lock else {}
    check(lock and m.get("owner_pid") == bench.get("pid") and m.get("owner_id") == bench.get("ioas")
          and float(lock[0]["value"][1]) > 0,
          f"PromQL topk(1, iommutrace_lock_contentions_total): {m.get('lock')} of "
          f"{m.get('owner_kind')} {m.get('owner_id')} pid {m.get('owner_pid')}, "
          f"{lock[0]['value'][1] if lock else '-'} contentions; map_bench (4 threads): "
          f"IOAS {bench.get('ioas')} pid {bench.get('pid')}")

    samples = [float(r["value"][1]) for r in result("samples")]
    check(samples and samples[0] > 0, f"scrape_samples_scraped = {samples}")
    try:
        targets = json.loads(read("q-targets.json"))["data"]["activeTargets"]
    except (ValueError, KeyError):
        targets = []
    check(len(targets) == 1 and targets[0]["health"] == "up" and not targets[0]["lastError"],
          f"target health {[(t['health'], t['lastError']) for t in targets]}")
    try:
        groups = json.loads(read("q-rules.json"))["data"]["groups"]
    except (ValueError, KeyError):
        groups = []
    rules = [r for g in groups for r in g["rules"]]
    check(len(rules) == 6 and all(r["health"] == "ok" for r in rules),
          f"alert rules loaded by Prometheus: {[(r['name'], r['health']) for r in rules]}")

    headers = read("metrics.om.headers").lower()
    om = read("metrics.om")
    check("content-type: application/openmetrics-text; version=1.0.0" in headers
          and om.endswith("# EOF\n"),
          "OpenMetrics on request: its Content-Type and the closing # EOF")
    check(read("promtool.out").strip().endswith("exit=0"),
          "promtool check metrics on the text format: " + read("promtool.out").strip().replace("\n", " | "))
    check("iommutop exit=0" in read("iommutop.err"), "iommutop ended cleanly on SIGINT")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
