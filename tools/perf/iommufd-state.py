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
#
# Attach and replace fire once per HWPT tried (docs/events.md): an -EINVAL
# on an automatic domain of the IOAS is iommufd moving on to the next one,
# not an error of the ioctl; it is an error when nothing follows for the
# device (a HWPT user space chose, the last attempt).  For a HWPT allocated
# before the recording this is decided by the device's next event.
# COHERENCY: "enforced"/"off" from hwpt_alloc's enforce_cc (paging HWPTs),
# "refused" once an attach or replace got -EINVAL from a HWPT with
# enforce_cc=1 (the device's IOMMU lacks snoop control: the device then
# gets, or fails to get, a domain that does not enforce it).
import json
import sys

ioas = {}        # (pid, id) -> dict
hwpts = {}       # (pid, hwpt id) -> (pid, ioas id, nested, auto_domain)
devs = {}        # (pid, dev id) -> (pid, ioas id)
accesses = {}    # (pid, access id) -> (pid, ioas id)
pinned = {}      # pid -> pages
pending = {}     # (pid, dev id) -> ((pid, ioas id), ret): a failed attempt
destroyed = []
as_json = "--json" in sys.argv
EINVAL = -22
ENOENT = -2


def row(pid, ioas_id, comm=None, created=False):
    key = (pid, ioas_id)
    if key not in ioas:
        ioas[key] = dict(pid=pid, ioas_id=ioas_id, comm=comm or "",
                         preexisting=not created, devices=0, accesses=0,
                         hwpts=0, hwpts_nested=0, mapped_bytes=0, maps=0,
                         unmaps=0, copies=0, errors=0, coherency="n/a",
                         destroyed=False)
    return ioas[key]


def error(key, comm):
    if key and key[1]:
        row(key[0], key[1], comm)["errors"] += 1


def resolve(pid, dev_id, comm, tried):
    """The device's previous failed attempt: another attempt of the same
    ioctl followed (tried: not a failure of the ioctl), or not (an error)"""
    p = pending.pop((pid, dev_id), None)
    if p and not (tried and p[1] == EINVAL):
        error(p[0], comm)


def unknown_id(pid, name, f, ret):
    """A map, unmap or copy that names no IOAS (id 0: a VFIO compat ioctl
    without a compat IOAS, -ENODEV), or failed with -ENOENT on an id never
    seen (most likely no such IOAS): the kernel found none, as iommutop,
    which is handed no IOAS then, sees it; no row for it"""
    key = {"iommufd_ioas_map": "ioas_id", "iommufd_ioas_unmap": "ioas_id",
           "iommufd_ioas_copy": "dst_ioas_id"}.get(name)
    if key is None:
        return False
    return f[key] == 0 or (ret == ENOENT and (pid, f[key]) not in ioas)


def pt_ioas(pid, pt_id):
    """The IOAS of a pt_id user space gave: a HWPT or an IOAS seen in the
    recording (None: an unknown id, or an object from before it)"""
    h = hwpts.get((pid, pt_id))
    return h[:2] if h else (pid, pt_id) if (pid, pt_id) in ioas else None


def move_device(pid, dev_id, key, comm):
    old = devs.pop((pid, dev_id), None)
    if old in ioas:
        ioas[old]["devices"] -= 1
    row(key[0], key[1], comm)["devices"] += 1
    devs[(pid, dev_id)] = key


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
    elif unknown_id(pid, name, f, ret):
        return
    elif name == "iommufd_ioas_map":
        r = row(pid, f["ioas_id"], comm)
        if ret:
            r["errors"] += 1
        else:
            r["maps"] += 1
            r["mapped_bytes"] += f["length"]
    elif name == "iommufd_ioas_unmap":
        r = row(pid, f["ioas_id"], comm)
        if ret:
            r["errors"] += 1
        else:               # unmaps, like maps, counts successes
            r["unmaps"] += 1
            r["mapped_bytes"] -= f["unmapped"]
    elif name == "iommufd_ioas_copy":
        r = row(pid, f["dst_ioas_id"], comm)
        if ret:
            r["errors"] += 1
        else:
            r["copies"] += 1
            r["mapped_bytes"] += f["length"]
    elif name == "iommufd_hwpt_alloc":
        if f["auto_domain"] and ret:
            # the attach to IOAS pt_id needed a new automatic domain and
            # could not get one (also when the new domain's own attach,
            # traced just before, failed): one error of the ioctl
            pending.pop((pid, f["dev_id"]), None)
            error((pid, f["pt_id"]), comm)
            return
        if f["auto_domain"]:
            # the attempts on the IOAS's other automatic domains before
            resolve(pid, f["dev_id"], comm, tried=True)
        if ret:
            error(pt_ioas(pid, f["pt_id"]), comm)   # IOMMU_HWPT_ALLOC failed
            return
        r = row(pid, f["ioas_id"], comm)
        r["hwpts_nested" if f["nested"] else "hwpts"] += 1
        hwpts[(pid, f["hwpt_id"])] = (pid, f["ioas_id"], f["nested"],
                                      f["auto_domain"])
        if not f["nested"]:
            if f["enforce_cc"] and r["coherency"] == "n/a":
                r["coherency"] = "enforced"
            elif not f["enforce_cc"] and r["coherency"] != "refused":
                r["coherency"] = "off"
    elif name == "iommufd_hwpt_destroy":
        h = hwpts.pop((pid, f["hwpt_id"]), None)
        if h and h[:2] in ioas:
            ioas[h[:2]]["hwpts_nested" if h[2] else "hwpts"] -= 1
    elif name in ("iommufd_device_attach", "iommufd_device_replace"):
        # One event per HWPT tried, under igroup->lock
        dev_id, key = f["dev_id"], (pid, f["ioas_id"])
        if f["hwpt_id"] and ret == EINVAL and f["enforce_cc"]:
            # the HWPT enforces snoop control, the device's IOMMU lacks it
            row(pid, f["ioas_id"], comm)["coherency"] = "refused"
        resolve(pid, dev_id, comm, tried=True)
        if ret:
            h = hwpts.get((pid, f["hwpt_id"]))
            if not f["hwpt_id"]:
                # failed before a HWPT was chosen: pt_id is what user
                # space gave (an unknown id has no IOAS)
                error(pt_ioas(pid, f["pt_id"]), comm)
            elif h and h[3] and ret == EINVAL:
                pass    # an automatic domain of the IOAS that does not fit
                        # the device: iommufd tries the next one
            elif h:
                error(key, comm)    # a HWPT user space chose, or not EINVAL
            else:
                # a HWPT not seen allocated: a new automatic domain (its
                # hwpt_alloc follows) or one from before the recording;
                # decided by the device's next event
                pending[(pid, dev_id)] = (key, ret)
            return
        if name == "iommufd_device_replace" and f["hwpt_id"] == f["old_hwpt_id"]:
            # the HWPT in use: nothing changed, unless another device of
            # the group moved the group before
            if devs.get((pid, dev_id)) == key:
                return
        move_device(pid, dev_id, key, comm)
    elif name == "iommufd_device_detach":
        resolve(pid, f["dev_id"], comm, tried=False)
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
        pinned[f["owner_pid"]] = pinned.get(f["owner_pid"], 0) + sign * f["npages"]


def trace_end():
    for (pid, dev_id), (key, ret) in list(pending.items()):
        error(key, "")      # the recording ended after a failed attempt
    pending.clear()
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
