#!/usr/bin/env python3
"""Row for row: the perf report's live IOASes against iommutop's last
frame (see t-perf-report-vs-iommutop).  Input: lines "top <frame JSON>",
"perf <row JSON>", "paths <workload line>"."""
import json
import sys

FIELDS = ("devices", "accesses", "hwpts", "hwpts_nested", "mapped_bytes",
          "maps", "unmaps", "copies", "errors", "coherency")


def main(path):
    frame, perf = None, {}
    for line in open(path):
        kind, _, rest = line.rstrip("\n").partition(" ")
        if kind == "top":
            frame = json.loads(rest)
        elif kind == "perf":
            r = json.loads(rest)
            if "ioas_id" in r and not r["destroyed"]:
                perf[(r["pid"], r["ioas_id"])] = r
    if frame is None or not perf:
        print("FAIL: no iommutop frame or no perf rows")
        return 1
    top = {(r["pid"], r["ioas_id"]): r for r in frame["ioas"]}
    fails = 0
    for key in sorted(set(top) | set(perf)):
        t, p = top.get(key), perf.get(key)
        if not t or not p:
            print("FAIL pid %d IOAS %d: only in %s: %s" % (
                key[0], key[1], "iommutop" if t else "the perf report",
                json.dumps(t or p)))
            fails += 1
            continue
        diff = ["%s %s/%s" % (f, t[f], p[f]) for f in FIELDS if t[f] != p[f]]
        print("%s pid %d IOAS %d: %s" % (
            "FAIL" if diff else "ok  ", key[0], key[1],
            "differ (iommutop/perf): " + ", ".join(diff) if diff else
            " ".join("%s=%s" % (f, t[f]) for f in FIELDS)))
        fails += bool(diff)
    print("%d rows compared, %d differ" % (len(set(top) | set(perf)), fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
