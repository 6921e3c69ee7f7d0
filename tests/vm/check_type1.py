#!/usr/bin/env python3
"""check_type1.py [--compat] [--type1 [--pid=N --memlock-kb=N]]
WORKLOAD_OUT TRACE_JSONL: check ioastrace's map and unmap records against
what tests/workload/vfio_type1_workload reports it did through the VFIO
container uAPI.

One iommufd_ioas_map record per "op=map" line (same iova, length, user_va,
ret), one iommufd_ioas_unmap per "op=unmap" (same iova, length, the
kernel's unmapped, ret), all on one address space (the container); and the
workload's own data check and blocked DMA.  --compat: every record must
also say "compat": 1 (iommufd's VFIO compat served the container).
--type1: probe mode on vfio_iommu_type1 (a kernel with VFIO's own
container): every map/unmap record "source": "type1" and "compat": 1.
With --pid (the workload's pid, from the shell) and --memlock-kb (its
ulimit -l) the trace has every event (ioastrace without -e), and also:
one iommufd_ioas_alloc of that container before the first map and one
iommufd_ioas_destroy after the unmap (the workload closes it), one
iommufd_device_attach of it (its group, at VFIO_SET_IOMMU) before the first
map and one iommufd_device_detach after the unmap and before the destroy,
each record by the workload's pid; iommufd_pages_pin records whose pages add up, per
map, to the map's length / 4096, all inside the map's user range, owner
the workload, limit its RLIMIT_MEMLOCK in pages, and the last one's
locked (the mm's locked_vm) the pages of both maps; iommufd_pages_unpin
records adding up to the kernel's unmapped / 4096, inside the maps.
Prints what it checked; exit 1 on a mismatch."""
import json
import sys


def main():
    args = sys.argv[1:]
    compat = "--compat" in args
    type1 = "--type1" in args
    opt = dict(a[2:].split("=", 1) for a in args if a.startswith("--") and "=" in a)
    wl_path, trace_path = [a for a in args if not a.startswith("--")]
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
    if type1:
        say(bool(maps) and all(r.get("source") == "type1" and r.get("compat") == 1
                               for r in maps + unmaps),
            "every map/unmap record marked source=type1 and compat=1 (VFIO's type1 container)")
    ids = {r.get("ioas_id") for r in maps + unmaps}
    say(len(ids) == 1, f"one address space (the container) for all: {sorted(ids)}")
    if type1 and "pid" in opt:
        fail |= check_type1_life(say, recs, maps, unmaps, wmaps, wunmaps,
                                 int(opt["pid"]), int(opt["memlock-kb"]))
    chk = [o for o in ops if o["op"] == "check"]
    say(bool(chk) and chk[0]["match"] == "1", "the data DMA'd through the mappings arrived")
    flt = [o for o in ops if o["op"] == "faults"]
    say(bool(flt) and int(flt[0]["after"]) > int(flt[0]["before"]), "the DMA after the unmap faulted")
    return fail


def check_type1_life(say, recs, maps, unmaps, wmaps, wunmaps, pid, memlock_kb):
    """The container's life and its pins, against the workload's record"""
    page = 4096
    ev = [r["event"] for r in recs]

    def at(name):               # index of the first record of an event, -1: none
        return ev.index(name) if name in ev else -1
    cid = maps[0]["ioas_id"] if maps else None
    allocs = [r for r in recs if r["event"] == "iommufd_ioas_alloc"]
    destroys = [r for r in recs if r["event"] == "iommufd_ioas_destroy"]
    say(len(allocs) == 1 and allocs[0]["ioas_id"] == cid
        and 0 <= at("iommufd_ioas_alloc") < at("iommufd_ioas_map"),
        f"one ioas_alloc of container {cid} before the first map: {[r.get('ioas_id') for r in allocs]}")
    say(len(destroys) == 1 and destroys[0]["ioas_id"] == cid
        and at("iommufd_ioas_destroy") > at("iommufd_ioas_unmap") >= 0,
        f"one ioas_destroy of container {cid} after the unmap (the workload closes it): "
        f"{[r.get('ioas_id') for r in destroys]}")
    # the group: joins at VFIO_SET_IOMMU, leaves at UNSET_CONTAINER, before
    # the container goes (its last group)
    att = [r for r in recs if r["event"] == "iommufd_device_attach"]
    det = [r for r in recs if r["event"] == "iommufd_device_detach"]
    say(len(att) == 1 and att[0]["ioas_id"] == cid and att[0]["ret"] == 0
        and at("iommufd_ioas_alloc") < at("iommufd_device_attach") < at("iommufd_ioas_map"),
        f"one device_attach (the group) of container {cid}, ret 0, between ioas_alloc and "
        f"the first map: {[(r.get('ioas_id'), r.get('ret')) for r in att]}")
    say(len(det) == 1 and det[0]["ioas_id"] == cid
        and at("iommufd_ioas_unmap") < at("iommufd_device_detach") < at("iommufd_ioas_destroy"),
        f"one device_detach (the group) of container {cid} after the unmap, before ioas_destroy: "
        f"{[r.get('ioas_id') for r in det]}")
    t1 = [r for r in recs if r.get("source") == "type1"]
    say(bool(t1) and all(r["pid"] == pid for r in t1),
        f"all {len(t1)} type1 records by the workload (pid {pid}): "
        f"{sorted({r['pid'] for r in t1})}")
    pins = [r for r in recs if r["event"] == "iommufd_pages_pin"]
    unpins = [r for r in recs if r["event"] == "iommufd_pages_unpin"]
    say(bool(pins) and all(r["ret"] == 0 and r["owner_pid"] == pid and r["source"] == "type1"
                           and r["account_mode"] == "mm" for r in pins),
        f"{len(pins)} pages_pin records: ret 0, owner the workload, charged to its mm")
    say(bool(pins) and all(r["limit"] == memlock_kb * 1024 // page for r in pins),
        f"pin limit {sorted({r['limit'] for r in pins})} pages = RLIMIT_MEMLOCK {memlock_kb} KiB")
    total = 0
    for o in wmaps:
        va, n = int(o["user_va"], 16), int(o["length"])
        got = sum(r["npages"] for r in pins if va <= r["user_va"] < va + n)
        say(got == n // page, f"map user_va={o['user_va']}: {got} pages pinned, its length {n} / {page}")
        total += n // page
    inside = all(any(int(o["user_va"], 16) <= r["user_va"] < int(o["user_va"], 16) + int(o["length"])
                     for o in wmaps) for r in pins + unpins)
    say(inside, "every pin and unpin inside a map's user range")
    say(bool(pins) and pins[-1]["locked"] == total,
        f"after the last pin the mm's locked_vm is {pins[-1]['locked'] if pins else None} pages, "
        f"the maps' {total}")
    want = sum(int(o["unmapped"]) for o in wunmaps) // page
    got = sum(r["npages"] for r in unpins)
    say(got == want and all(r["owner_pid"] == pid for r in unpins),
        f"{len(unpins)} pages_unpin records, {got} pages = the kernel's unmapped / {page} ({want})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
