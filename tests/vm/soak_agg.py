#!/usr/bin/env python3
"""The soak's counting (tests/vm/soak, on the host): soak_agg.py AT1 AT2 TOP1 TOP2

Reduces the tools' outputs (tests/vm/guest-soak writes them to the VM's
results share: hundreds of MB of JSON in 30 minutes) to what
tests/vm/check_soak.py compares, one line each:

  agg {"NAME": {"counts": {"EVENT RET": n}, "map_bytes", "unmap_bytes",
                "pin_pages", "unpin_pages", "pin_fail", "lines", "bad"},
               ...}   ioastrace AT1/AT2, records of the workload
                      (comm ioas_churn) only
  nthev {json}        each record of iommufd_fail_nth (comm
                      iommufd_fail_nt) with ret < 0, and each pin failure
  topmax {"NAME": {"frames", "dropped_max", "ioas_max"}}  over all frames
"""
import collections
import json
import sys

WL, NTH = "ioas_churn", "iommufd_fail_nt"


def agg_trace(path):
    a = {"counts": collections.Counter(), "map_bytes": 0, "unmap_bytes": 0,
         "pin_pages": 0, "unpin_pages": 0, "pin_fail": 0, "lines": 0,
         "bad": 0}
    nth = []
    with open(path, "rb") as f:
        for raw in f:
            a["lines"] += 1
            try:
                r = json.loads(raw)
            except ValueError:
                a["bad"] += 1
                continue
            ev, ret, comm = r.get("event"), r.get("ret", 0), r.get("comm")
            if comm == NTH:
                if ret < 0 or ev == "iommufd_pages_pin_fail":
                    nth.append({k: r.get(k) for k in (
                        "ts_ns", "tid", "pid", "event", "ret", "injected")})
                continue
            if comm != WL:
                continue
            a["counts"][f"{ev} {ret}"] += 1
            if ret == 0:
                if ev == "iommufd_ioas_map":
                    a["map_bytes"] += r["length"]
                elif ev == "iommufd_ioas_unmap":
                    a["unmap_bytes"] += r["unmapped"]
                elif ev == "iommufd_pages_pin":
                    a["pin_pages"] += r["npages"]
                elif ev == "iommufd_pages_unpin":
                    a["unpin_pages"] += r["npages"]
            if ev == "iommufd_pages_pin_fail":
                a["pin_fail"] += 1
    return a, nth


def top_max(path):
    m = {"frames": 0, "dropped_max": 0, "ioas_max": 0, "bad": 0}
    with open(path, "rb") as f:
        for raw in f:
            try:
                fr = json.loads(raw)
            except ValueError:
                m["bad"] += 1
                continue
            d = fr.get("dropped", 0)
            d = sum(d.values()) if isinstance(d, dict) else d
            m["frames"] += 1
            m["dropped_max"] = max(m["dropped_max"], d)
            m["ioas_max"] = max(m["ioas_max"], len(fr.get("ioas", [])))
    return m


def main():
    at1, at2, top1, top2 = sys.argv[1:5]
    out, nth_all = {}, {}
    for name, path in (("at1", at1), ("at2", at2)):
        out[name], nth_all[name] = agg_trace(path)
    print("agg " + json.dumps(out, separators=(",", ":")))
    for name, recs in nth_all.items():
        for r in recs:
            r["tool"] = name
            print("nthev " + json.dumps(r, separators=(",", ":")))
    print("topmax " + json.dumps({"top1": top_max(top1), "top2": top_max(top2)},
                                 separators=(",", ":")))


if __name__ == "__main__":
    main()
