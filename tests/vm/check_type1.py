#!/usr/bin/env python3
"""check_type1.py [--compat] WORKLOAD_OUT TRACE_JSONL: check ioastrace's
map and unmap records against what tests/workload/vfio_type1_workload
reports it did through the VFIO container uAPI.

One iommufd_ioas_map record per "op=map" line (same iova, length, user_va,
ret), one iommufd_ioas_unmap per "op=unmap" (same iova, length, the
kernel's unmapped, ret), all on one address space (the container); and the
workload's own data check and blocked DMA.  --compat: every record must
also say "compat": 1 (iommufd's VFIO compat served the container).
Prints what it checked; exit 1 on a mismatch."""
import json
import sys


def main():
    args = sys.argv[1:]
    compat = "--compat" in args
    wl_path, trace_path = [a for a in args if a != "--compat"]
    ops = [dict(kv.split("=", 1) for kv in l.split())
           for l in open(wl_path) if l.startswith("op=")]
    recs = [json.loads(l) for l in open(trace_path) if l.startswith("{")]
    fail = 0

    def say(ok, msg):
        nonlocal fail
        print(("ok   " if ok else "FAIL ") + msg)
        fail |= not ok

    maps = [r for r in recs if r["event"] == "iommufd_ioas_map"]
    unmaps = [r for r in recs if r["event"] == "iommufd_ioas_unmap"]
    wmaps = [o for o in ops if o["op"] == "map"]
    wunmaps = [o for o in ops if o["op"] == "unmap"]
    say(len(maps) == len(wmaps) == 2, f"{len(maps)} ioas_map records for the workload's {len(wmaps)} maps")
    for o, r in zip(wmaps, maps):
        got = (r.get("iova"), r.get("length"), r.get("user_va"), r.get("ret"))
        want = (int(o["iova"], 16), int(o["length"]), int(o["user_va"], 16), int(o["ret"]))
        say(got == want, f"map iova={o['iova']} length={o['length']}: record {got}, workload {want}")
    say(len(unmaps) == len(wunmaps) == 1, f"{len(unmaps)} ioas_unmap records for the workload's {len(wunmaps)}")
    for o, r in zip(wunmaps, unmaps):
        got = (r.get("iova"), r.get("length"), r.get("unmapped"), r.get("ret"))
        want = (int(o["iova"], 16), int(o["length"]), int(o["unmapped"]), int(o["ret"]))
        say(got == want, f"unmap: record (iova, length, unmapped, ret) {got}, workload {want}")
    if compat:
        say(bool(maps) and all(r.get("compat") == 1 for r in maps + unmaps),
            "every record marked compat=1 (the VFIO container uAPI, not IOMMU_IOAS_*)")
    ids = {r.get("ioas_id") for r in maps + unmaps}
    say(len(ids) == 1, f"one address space (the container) for all: {sorted(ids)}")
    chk = [o for o in ops if o["op"] == "check"]
    say(bool(chk) and chk[0]["match"] == "1", "the data DMA'd through the mappings arrived")
    flt = [o for o in ops if o["op"] == "faults"]
    say(bool(flt) and int(flt[0]["after"]) > int(flt[0]["before"]), "the DMA after the unmap faulted")
    return fail


if __name__ == "__main__":
    sys.exit(main())
