#!/usr/bin/env python3
"""check_filters.py OUTPUT: for each ioastrace filter, the filtered tracer's
records must be exactly the unfiltered tracer's records that satisfy the
filter (same events, in the same order), and neither may lose events."""
import json
import sys

IOAS_KEYS = ("ioas_id", "src_ioas_id", "dst_ioas_id", "old_ioas_id", "new_ioas_id")


def key(r):
    return tuple(sorted((k, v) for k, v in r.items() if k not in ("ts_ns", "lat_ns")))


def main():
    runs, pids, fails = {}, {}, 0
    for line in open(sys.argv[1]):
        name, _, rest = line.partition(" ")
        if line.startswith("A="):
            pids = dict(kv.split("=") for kv in line.split())
        elif name.startswith("summary-"):
            s = json.loads(rest)["summary"]
            if s["lost"]:
                print(f"FAIL {name}: {s['lost']} lost")
                fails += 1
        elif rest.startswith("{"):
            runs.setdefault(name, []).append(json.loads(rest))
    a, b = int(pids["A"]), int(pids["B"])
    preds = {
        "pid": lambda r: r["pid"] == a,
        "cgroup": lambda r: r["pid"] == b,
        "ioas": lambda r: any(r.get(k) == 2 for k in IOAS_KEYS),
        "dev": lambda r: r.get("dev_id") == 4,
        "events": lambda r: r["event"] in ("iommufd_ioas_map", "iommufd_ioas_unmap"),
        "failed": lambda r: r["ret"] < 0,
    }
    every = runs.get("all", [])
    print(f"unfiltered: {len(every)} records")
    if len(every) < 50:
        print("FAIL too few records to test anything")
        return 1
    for name, pred in preds.items():
        want = [key(r) for r in every if pred(r)]
        got = [key(r) for r in runs.get(name, [])]
        if not want or want != got:
            print(f"FAIL {name}: {len(got)} records, want {len(want)} "
                  f"(of {len(every)})")
            fails += 1
        else:
            print(f"ok   {name}: {len(got)} of {len(every)} records, the right ones")
    return 1 if fails else 0


sys.exit(main())
