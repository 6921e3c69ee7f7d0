# SPDX-License-Identifier: GPL-2.0
# iommufd-state.py - rebuild, from a perf.data recorded with the iommutrace
# events, the per-IOAS state that iommutop shows live.
#
#   perf record -k CLOCK_MONOTONIC -e 'iommufd:*' -e 'intel_iommu:*' -a -- ...
#   perf script -s tools/perf/iommufd-state.py [--time ,SECS] [-- --json]
#
# Prints, for every IOAS that existed at the end of the (time-limited)
# recording, and for those destroyed during it (with their state just before
# destruction): the creator, devices, accesses, HWPTs, mapped bytes,
# coherency, map/unmap/copy counts and errors; and, per process, the pages
# pinned and charged (pin events name the process, not an IOAS).
# perf.data holds events only: of an IOAS created before the recording
# started (marked preexisting, in JSON "preexisting": true) it cannot know
# the state at the start, so its MAPPED, DEVS, ACC and HWPT are the changes
# during the recording (they can be negative), and pins taken before the
# recording are missing from PINNED_PAGES; a footnote says so.  iommutop
# reads those objects' full state at its start.  IOAS ids are per iommufd file: a row is
# (pid, ioas).  With --json, one JSON object per row instead of the table.
import json
import sys

ioas = {}        # (pid, id) -> dict
hwpts = {}       # (pid, hwpt id) -> (pid, ioas id)
devs = {}        # (pid, dev id) -> (pid, ioas id)
accesses = {}    # (pid, access id) -> (pid, ioas id)
pinned = {}      # pid -> pages
destroyed = []
as_json = "--json" in sys.argv


def row(pid, ioas_id, comm=None, created=False):
    key = (pid, ioas_id)
    if key not in ioas:
        ioas[key] = dict(pid=pid, ioas_id=ioas_id, comm=comm or "",
                         preexisting=not created, devices=0, accesses=0,
                         hwpts=0, hwpts_nested=0, mapped_bytes=0, maps=0,
                         unmaps=0, copies=0, errors=0, coherency="n/a",
                         destroyed=False)
    return ioas[key]


def trace_unhandled(event_name, context, f, sample=None):
    name = event_name.split("__", 1)[-1]
    pid = (sample or {}).get("sample", {}).get("pid", f.get("common_pid"))
    comm = f.get("common_comm", "")
    ret = f.get("ret", 0)
    if name == "iommufd_ioas_alloc":
        row(pid, f["ioas_id"], comm, created=True)
    elif name == "iommufd_ioas_destroy":
        r = ioas.pop((pid, f["ioas_id"]), None)
        if r:
            r["destroyed"] = True
            destroyed.append(r)
    elif name == "iommufd_ioas_map":
        r = row(pid, f["ioas_id"], comm)
        if ret:
            r["errors"] += 1
        else:
            r["maps"] += 1
            r["mapped_bytes"] += f["length"]
    elif name == "iommufd_ioas_unmap":
        r = row(pid, f["ioas_id"], comm)
        r["unmaps"] += 1
        r["mapped_bytes"] -= f["unmapped"]
        if ret:
            r["errors"] += 1
    elif name == "iommufd_ioas_copy":
        r = row(pid, f["dst_ioas_id"], comm)
        if ret:
            r["errors"] += 1
        else:
            r["copies"] += 1
            r["mapped_bytes"] += f["length"]
    elif name == "iommufd_hwpt_alloc":
        r = row(pid, f["ioas_id"], comm)
        r["hwpts_nested" if f["nested"] else "hwpts"] += 1
        hwpts[(pid, f["hwpt_id"])] = (pid, f["ioas_id"], f["nested"])
        if not f["nested"]:
            if f["enforce_cc"] and r["coherency"] == "n/a":
                r["coherency"] = "enforced"
            elif not f["enforce_cc"] and r["coherency"] != "refused":
                r["coherency"] = "off"
    elif name == "iommufd_hwpt_destroy":
        h = hwpts.pop((pid, f["hwpt_id"]), None)
        if h and h[:2] in ioas:
            ioas[h[:2]]["hwpts_nested" if h[2] else "hwpts"] -= 1
    elif name == "iommufd_hwpt_enforce_cc" and ret:
        row(pid, f["ioas_id"], comm)["coherency"] = "refused"
    elif name in ("iommufd_device_attach", "iommufd_device_replace"):
        if ret:
            if f["ioas_id"]:    # a failed attach to an unknown pt has none
                row(pid, f["ioas_id"], comm)["errors"] += 1
            return
        if name == "iommufd_device_replace" and not f["old_hwpt_id"]:
            return
        old = devs.pop((pid, f["dev_id"]), None)
        if old in ioas:
            ioas[old]["devices"] -= 1
        row(pid, f["ioas_id"], comm)["devices"] += 1
        devs[(pid, f["dev_id"])] = (pid, f["ioas_id"])
    elif name == "iommufd_device_detach":
        old = devs.pop((pid, f["dev_id"]), None)
        if old in ioas:
            ioas[old]["devices"] -= 1
    elif name == "iommufd_access_change_ioas" and not ret:
        old = accesses.pop((pid, f["access_id"]), None)
        if old in ioas:
            ioas[old]["accesses"] -= 1
        if f["new_ioas_id"]:
            row(pid, f["new_ioas_id"], comm)["accesses"] += 1
            accesses[(pid, f["access_id"])] = (pid, f["new_ioas_id"])
    elif name in ("iommufd_pages_pin", "iommufd_pages_unpin") and not ret:
        sign = 1 if name.endswith("_pin") else -1
        pinned[f["pid"]] = pinned.get(f["pid"], 0) + sign * f["npages"]


def trace_end():
    rows = sorted(ioas.values(), key=lambda r: (r["pid"], r["ioas_id"])) + destroyed
    if as_json:
        for r in rows:
            print(json.dumps(r))
        for pid, pages in sorted(pinned.items()):
            print(json.dumps(dict(pid=pid, pinned_pages=pages)))
        return
    print("%6s %7s %-16s %4s %4s %5s %12s %-10s %6s %6s %5s %4s %s" % (
        "IOAS", "PID", "COMM", "DEVS", "ACC", "HWPT", "MAPPED", "COHERENCY",
        "MAPS", "UNMAPS", "COPY", "ERR", "STATE"))
    for r in rows:
        state = "destroyed" if r["destroyed"] else "live"
        if r["preexisting"]:
            state += ",preexisting"
        print("%6d %7d %-16s %4d %4d %5d %12d %-10s %6d %6d %5d %4d %s" % (
            r["ioas_id"], r["pid"], r["comm"][:16], r["devices"], r["accesses"],
            r["hwpts"], r["mapped_bytes"], r["coherency"], r["maps"],
            r["unmaps"], r["copies"], r["errors"], state))
    if any(r["preexisting"] for r in rows):
        print("\npreexisting: created before the recording started; perf.data has no"
              "\nstate from before it, so DEVS, ACC, HWPT and MAPPED of these rows are"
              "\nchanges during the recording, not totals (iommutop shows totals).")
    print()
    print("%7s %12s" % ("PID", "PINNED_PAGES"))
    for pid, pages in sorted(pinned.items()):
        print("%7d %12d" % (pid, pages))
