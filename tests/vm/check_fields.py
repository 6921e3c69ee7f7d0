#!/usr/bin/env python3
"""check_fields.py WORKLOAD_OUT TRACE_JSONL: check ioastrace's records
against the operations iommufd_workload reports for itself.

Every "op=map|unmap|copy|access_pin|access_unpin|replace|mock_domain" line
of the workload must be matched, in order, by a record with the same ids,
IOVA, length and ret; and the count of records per event must equal the
workload's "count EVENT N" lines.  A map's and an unmap's record also has
a latency (lat_ns, from the ioctl's entry) inside the workload's own
window of that ioctl: t0 <= ts_ns - lat_ns and ts_ns <= t1.  Prints what it checked; exit 1 on a
mismatch."""
import collections
import json
import sys


def ops(path):
    for line in open(path):
        if line.startswith("op="):
            yield dict(kv.split("=", 1) for kv in line.split())


def main():
    wl_path, trace_path = sys.argv[1:3]
    records = [json.loads(l) for l in open(trace_path)]
    counts = collections.Counter(r["event"] for r in records)
    fails = 0

    def expect(desc, event, **fields):
        nonlocal fails
        for i, r in enumerate(records):
            if r["event"] == event and all(r.get(k) == v for k, v in fields.items()):
                del records[i]      # each record matches one operation
                print(f"ok   {desc}")
                return r
        print(f"FAIL {desc}: no {event} record with {fields}")
        fails += 1
        return None

    def in_window(op, r):
        """The record's ioctl entry and event inside the workload's window"""
        nonlocal fails
        if r is None:
            return
        t0, t1, ts, lat = int(op["t0"]), int(op["t1"]), r["ts_ns"], r["lat_ns"]
        if lat > 0 and t0 <= ts - lat and ts <= t1:
            print(f"ok   {op['op']} latency {lat} ns within the ioctl's {t1 - t0} ns")
        else:
            print(f"FAIL {op['op']}: lat_ns={lat} ts_ns={ts}, the ioctl ran {t0} .. {t1}")
            fails += 1

    n = 0
    for op in ops(wl_path):
        n += 1
        ret = int(op["ret"])
        name = op["op"]
        if name == "map":
            in_window(op, expect(f"map ioas={op['ioas']} ret={ret}", "iommufd_ioas_map",
                                 ioas_id=int(op["ioas"]), iova=int(op["iova"], 16),
                                 length=int(op["length"]), ret=ret, flags=7))
        elif name == "unmap":
            in_window(op, expect(f"unmap ioas={op['ioas']} ret={ret}", "iommufd_ioas_unmap",
                                 ioas_id=int(op["ioas"]), iova=int(op["iova"], 16),
                                 length=int(op["length"]), unmapped=int(op["unmapped"]),
                                 ret=ret))
        elif name == "copy":
            expect("copy", "iommufd_ioas_copy", src_ioas_id=int(op["src_ioas"]),
                   dst_ioas_id=int(op["dst_ioas"]), src_iova=int(op["iova"], 16),
                   dst_iova=int(op["iova"], 16), length=int(op["length"]), ret=ret)
        elif name == "mock_domain":
            # the IOAS has no automatic domain yet: one attempt, on the
            # domain allocated for the device (pt_id is only set when no
            # HWPT was tried); the mock device is alone in its group
            expect("mock device attach", "iommufd_device_attach",
                   dev_id=int(op["dev"]), pt_id=0,
                   hwpt_id=int(op["hwpt"]), ioas_id=int(op["ioas"]),
                   group_devices=1, ret=0)
            expect("auto HWPT allocated", "iommufd_hwpt_alloc",
                   hwpt_id=int(op["hwpt"]), pt_id=int(op["ioas"]),
                   ioas_id=int(op["ioas"]), dev_id=int(op["dev"]),
                   flags=0, data_type=0, auto_domain=1, nested=0, ret=0)
        elif name == "replace":
            expect("replace", "iommufd_device_replace", dev_id=int(op["dev"]),
                   pt_id=0, hwpt_id=int(op["hwpt"]),
                   old_hwpt_id=int(op["old_hwpt"]), ioas_id=int(op["ioas"]),
                   group_devices=1, ret=0)
            expect("old HWPT destroyed", "iommufd_hwpt_destroy",
                   hwpt_id=int(op["old_hwpt"]))
        elif name in ("access_pin", "access_unpin"):
            expect(name, "iommufd_" + name, ioas_id=int(op["ioas"]),
                   iova=int(op["iova"], 16), length=int(op["length"]), ret=ret)
        elif name == "access_replace":
            # fired when the change is done: the access pins from the new
            # IOAS (access->ioas_unpin); the mock driver's unmap callback
            # ran in between, for all of the old IOAS (iova 0, ULONG_MAX)
            expect("access replace", "iommufd_access_change_ioas",
                   old_ioas_id=int(op["old_ioas"]),
                   unpin_ioas_id=int(op["new_ioas"]),
                   new_ioas_id=int(op["new_ioas"]), ret=0)
            for ev in ("iommufd_access_unmap_begin", "iommufd_access_unmap_end"):
                expect(f"access replace: {ev}", ev,
                       ioas_id=int(op["old_ioas"]), iova=0, length=2**64 - 1)
        elif name == "ioas_alloc":
            expect(f"ioas_alloc {op['ioas']}", "iommufd_ioas_alloc",
                   ioas_id=int(op["ioas"]))
    if n < 10:
        print(f"FAIL only {n} operations in {wl_path}")
        fails += 1

    for line in open(wl_path):
        if line.startswith("count "):
            _, event, want = line.split()
            got = counts.get(event, 0)
            if got != int(want):
                print(f"FAIL count {event}: workload {want}, ioastrace {got}")
                fails += 1
    # Every mapped page was pinned once (IOAS 1 has a domain) and all pins
    # were released by the end.
    pinned = sum(int(l.split()[1]) for l in open(wl_path) if l.startswith("pinned_pages"))
    all_records = [json.loads(l) for l in open(trace_path)]
    pin = sum(r["npages"] for r in all_records if r["event"] == "iommufd_pages_pin")
    unpin = sum(r["npages"] for r in all_records if r["event"] == "iommufd_pages_unpin")
    if pin != pinned or unpin != pinned:
        print(f"FAIL pages: workload pinned {pinned}, pin events {pin}, unpin events {unpin}")
        fails += 1
    else:
        print(f"ok   {pinned} pages pinned and unpinned")
    return 1 if fails else 0


sys.exit(main())
