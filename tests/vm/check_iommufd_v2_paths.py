#!/usr/bin/env python3
"""check_iommufd_v2_paths.py [--break WHAT] WORKLOAD_OUT TRACE_JSONL

Check ioastrace -j's records against what iommufd_paths reports for itself
(tests/workload/iommufd_paths.c): for every "step=X op=NAME ..." line, the
record(s) of that operation must exist with the ids the kernel returned,
the errno the ioctl returned, the fault the kernel handed back by read(2),
the RLIMIT_MEMLOCK the workload set, the fault-injection site the kernel
log named.  Also: for each device, its attach/replace/detach records come in
the order of the workload's ioctls; paths the workload could not drive
("not_driven=") are reported, and fail the check unless the kernel cannot
take them (group_setup_msi: no SW_MSI window on the 6.12 mock driver), in
which case no such record may appear either.

--break WHAT deliberately expects something wrong (to see the check fail):
  bad_data_ret   the nested HWPT's bad user data as -EOPNOTSUPP
  limit          the memlock limit one page higher than the one set
  detach         a detach leaving one device of the group attached
  order          the device's attach/replace/detach order reversed
Prints one line per check; exit 1 on any failure."""
import argparse
import collections
import json
import sys

U64_MAX = (1 << 64) - 1
ULONG_MAX = U64_MAX
KERNEL_CANNOT = {"group_setup_msi"}


def parse(path):
    pid, ops, not_driven = None, [], []
    for line in open(path):
        line = line.strip()
        if line.startswith("pid="):
            pid = int(line[4:])
        elif line.startswith("step="):
            d = dict(kv.split("=", 1) for kv in line.split())
            ops.append({k: (v if k in ("step", "op", "case") else int(v))
                        for k, v in d.items()})
        elif line.startswith("not_driven="):
            not_driven.append(dict(kv.split("=", 1) for kv in line.split()))
    return pid, ops, not_driven


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--break", dest="brk", default=None,
                    choices=["bad_data_ret", "limit", "detach", "order"])
    ap.add_argument("workload")
    ap.add_argument("trace")
    a = ap.parse_args()

    pid, ops, not_driven = parse(a.workload)
    if pid is None or not ops:
        print("FAIL the workload printed nothing")
        return 1
    all_recs = [json.loads(l) for l in open(a.trace)]
    recs = sorted((r for r in all_recs if r["pid"] == pid),
                  key=lambda r: r["ts_ns"])
    print(f"{len(ops)} workload steps, {len(recs)} records of pid {pid} "
          f"({len(all_recs)} in all)")
    used = set()
    fails = 0
    seen_steps = collections.Counter()
    trigger = {}

    def ok(desc):
        print(f"ok   {desc}")

    def fail(desc):
        nonlocal fails
        fails += 1
        print(f"FAIL {desc}")

    def find(event, pred=None, after=None, **fields):
        for i, r in enumerate(recs):
            if i in used or r["event"] != event:
                continue
            if after is not None and r["ts_ns"] < after:
                continue
            if all(r.get(k) == v for k, v in fields.items()) and \
                    (pred is None or pred(r)):
                return i, r
        return None, None

    def expect(desc, event, pred=None, after=None, **fields):
        i, r = find(event, pred, after, **fields)
        if r is None:
            fail(f"{desc}: no {event} record with {fields}")
            return None
        used.add(i)
        ok(desc)
        return r

    for op in ops:
        seen_steps[op["step"]] += 1
        name, case, ret = op["op"], op.get("case", ""), op["ret"]
        tag = f"{op['step']}: {name}{' ' + case if case else ''} ret={ret}"
        r = None
        if name == "hwpt_alloc":
            good = ret == 0
            want_ret = ret
            if a.brk == "bad_data_ret" and case == "bad_data":
                want_ret = -95
            r = expect(tag, "iommufd_hwpt_alloc", dev_id=op["dev_id"],
                       pt_id=op["pt_id"], flags=op["flags"],
                       data_type=op["data_type"], ret=want_ret,
                       hwpt_id=op["hwpt_id"] if good else 0,
                       ioas_id=op["ioas_id"] if good else 0,
                       nested=int(case in ("nested", "iopf")),
                       auto_domain=0)
        elif name == "invalidate":
            r = expect(tag, "iommufd_hwpt_invalidate", hwpt_id=op["hwpt_id"],
                       data_type=op["data_type"], entry_num=op["entry_num"],
                       done_num=op["done_num"], ret=ret)
        elif name == "set_dirty":
            r = expect(tag, "iommufd_hwpt_set_dirty_tracking",
                       hwpt_id=op["hwpt_id"], enable=op["enable"], ret=ret)
        elif name == "get_dirty":
            r = expect(tag, "iommufd_hwpt_get_dirty_bitmap",
                       hwpt_id=op["hwpt_id"], iova=op["iova"],
                       length=op["length"], page_size=op["page_size"],
                       flags=op["flags"], ret=ret)
        elif name == "trigger_iopf":
            trigger = op
            continue
        elif name in ("fault_alloc", "race_summary"):
            if name == "race_summary":
                print(f"info race: {op['tries']} tries, {op['spins']} "
                      f"spinning replaces, hit={op['hit']}")
            continue
        elif name == "fault_read":
            same = all(op[k] == trigger[k] for k in
                       ("dev_id", "pasid", "grpid", "perm", "addr"))
            (ok if same else fail)(tag + ": the fault read is the one triggered")
            # what the kernel handed user space by read(2)
            r = expect(tag + f" (kernel read: grpid={op['grpid']} cookie={op['cookie']})",
                       "iommufd_fault_deliver", fault_id=op["fault_id"],
                       hwpt_id=op["hwpt_id"], dev_id=op["dev_id"],
                       pasid=op["pasid"], grpid=op["grpid"], perm=op["perm"],
                       addr=op["addr"], fault_count=1)
        elif name == "fault_respond":
            if case == "bad_cookie":
                r = expect(tag, "iommufd_fault_respond",
                           fault_id=op["fault_id"], cookie=op["cookie"],
                           code="success", auto_response=0, dev_id=0,
                           grpid=0, ret=ret)
            else:
                r = expect(tag, "iommufd_fault_respond",
                           fault_id=op["fault_id"], dev_id=op["dev_id"],
                           grpid=op["grpid"], cookie=op["cookie"],
                           code="success", auto_response=0, ret=ret)
        elif name == "fault_auto":
            r = expect(tag, "iommufd_fault_respond", fault_id=op["fault_id"],
                       dev_id=op["dev_id"], grpid=op["grpid"],
                       cookie=op["cookie"], code="invalid", auto_response=1,
                       ret=0)
        elif name == "access_create":
            expect(tag, "iommufd_access_create", access_id=op["access_id"])
            r = expect(tag + ": attach", "iommufd_access_change_ioas",
                       access_id=op["access_id"], old_ioas_id=0,
                       unpin_ioas_id=op["ioas_id"], new_ioas_id=op["ioas_id"],
                       ret=0)
        elif name == "access_destroy":
            r = expect(tag, "iommufd_access_destroy",
                       access_id=op["access_id"])
        elif name == "access_pin":
            r = expect(tag, "iommufd_access_pin", access_id=op["access_id"],
                       ioas_id=op["ioas_id"], unpin_ioas_id=op["ioas_id"],
                       iova=op["iova"], length=op["length"], flags=0, ret=ret)
        elif name == "access_unpin":
            r = expect(tag, "iommufd_access_unpin", access_id=op["access_id"],
                       ioas_id=op["ioas_id"], iova=op["iova"],
                       length=op["length"])
        elif name == "unmap_pinned":
            b = expect(tag + ": unmap window begins", "iommufd_access_unmap_begin",
                       access_id=op["access_id"], ioas_id=op["ioas_id"],
                       iova=op["iova"], length=op["length"])
            u = expect(tag + ": the driver unpins its pin in the window",
                       "iommufd_access_unpin", access_id=op["access_id"],
                       ioas_id=op["ioas_id"], iova=op["pin_iova"],
                       length=op["pin_length"])
            e = expect(tag + ": unmap window ends", "iommufd_access_unmap_end",
                       access_id=op["access_id"], ioas_id=op["ioas_id"],
                       iova=op["iova"], length=op["length"])
            r = expect(tag + ": the IOAS unmap", "iommufd_ioas_unmap",
                       ioas_id=op["ioas_id"], iova=op["iova"],
                       length=op["length"], unmapped=op["length"], compat=0,
                       ret=ret)
            if b and u and e and r:
                if b["ts_ns"] < u["ts_ns"] < e["ts_ns"] <= r["ts_ns"]:
                    ok(tag + ": begin < unpin < end <= unmap")
                else:
                    fail(tag + ": window out of order")
        elif name == "access_replace" and case == "in_flight":
            r = expect(tag, "iommufd_access_change_ioas",
                       access_id=op["access_id"], old_ioas_id=0,
                       unpin_ioas_id=op["unpin_ioas_id"],
                       new_ioas_id=op["new_ioas_id"], ret=ret)
            if r:
                inside = [x for x in recs
                          if x["event"] == "iommufd_access_unmap_begin"
                          and x["access_id"] == op["access_id"]
                          and x["ioas_id"] == op["unpin_ioas_id"]
                          and x["length"] == ULONG_MAX
                          and x["ts_ns"] < r["ts_ns"]]
                ends = [x for x in recs
                        if x["event"] == "iommufd_access_unmap_end"
                        and x["access_id"] == op["access_id"]
                        and x["ioas_id"] == op["unpin_ioas_id"]
                        and inside and x["ts_ns"] > inside[-1]["ts_ns"]]
                if inside and ends and r["ts_ns"] < ends[0]["ts_ns"]:
                    ok(tag + ": inside the other replace's unmap window")
                else:
                    fail(tag + ": not inside an unmap window of IOAS "
                         f"{op['unpin_ioas_id']}")
        elif name == "access_replace":
            b = expect(tag + ": window begins", "iommufd_access_unmap_begin",
                       access_id=op["access_id"], ioas_id=op["old_ioas_id"],
                       iova=0, length=ULONG_MAX)
            e = expect(tag + ": window ends", "iommufd_access_unmap_end",
                       access_id=op["access_id"], ioas_id=op["old_ioas_id"],
                       iova=0, length=ULONG_MAX)
            r = expect(tag, "iommufd_access_change_ioas",
                       access_id=op["access_id"],
                       old_ioas_id=op["old_ioas_id"],
                       unpin_ioas_id=op["new_ioas_id"],
                       new_ioas_id=op["new_ioas_id"], ret=ret)
            if b and e and r:
                if b["ts_ns"] < e["ts_ns"] < r["ts_ns"]:
                    ok(tag + ": begin < end < change")
                else:
                    fail(tag + ": window out of order")
        elif name == "map" and op["step"] == "f":
            va, n = op["user_va"], op["npages"]
            if case == "unmapped_va":
                r = expect(tag + ": pin failure", "iommufd_pages_pin_fail",
                           pred=lambda x: 0 < x["npages"] <= n,
                           user_va=va, ret=-14, injected=0, remote=0, owner_pid=pid)
            elif case in ("under_limit", "over_limit"):
                limit = op["limit"] + (a.brk == "limit")
                if ret == 0:
                    pred = lambda x: n <= x["locked"] <= limit
                else:
                    pred = lambda x: x["locked"] + x["npages"] > limit
                r = expect(tag + f": charge, limit {limit} pages",
                           "iommufd_pages_pin", pred=pred, user_va=va,
                           npages=n, account_mode="user", limit=limit,
                           ret=ret, owner_pid=pid)
            elif case == "fail_nth":
                if op["at_pin"]:
                    if not op["injected"]:
                        fail(tag + ": kernel log names the pin but fail-nth "
                             "was not consumed")
                    r = expect(tag + f": injected at the pin (nth={op['nth']})",
                               "iommufd_pages_pin_fail", user_va=va,
                               npages=n, injected=1, ret=-14, owner_pid=pid)
            # the map itself (an injection in the ioctl's copy-in is before
            # the map is traced: no record then)
            if case != "fail_nth" or op["at_pin"]:
                expect(tag + ": the map", "iommufd_ioas_map",
                       ioas_id=op["ioas_id"], user_va=va, length=n * 4096,
                       compat=0, ret=ret)
        elif name == "vfio_map":
            r = expect(tag, "iommufd_ioas_map", ioas_id=op["ioas_id"],
                       iova=op["iova"], length=op["length"],
                       user_va=op["user_va"], flags=op["flags"], compat=1,
                       ret=ret)
        elif name == "vfio_unmap":
            r = expect(tag, "iommufd_ioas_unmap", ioas_id=op["ioas_id"],
                       iova=op["iova"], length=op["length"],
                       unmapped=op["unmapped"], compat=1, ret=ret)
        elif name == "mock_attach" and case == "bad_pt":
            r = expect(tag, "iommufd_device_attach", pt_id=op["pt_id"],
                       hwpt_id=0, ioas_id=0, group_devices=0, ret=ret)
            if r:
                bind = [x for x in recs if x["event"] == "iommufd_device_bind"
                        and x["dev_id"] == r["dev_id"]
                        and x["ts_ns"] < r["ts_ns"]]
                unbind = [x for x in recs
                          if x["event"] == "iommufd_device_unbind"
                          and x["dev_id"] == r["dev_id"]
                          and x["ts_ns"] > r["ts_ns"]]
                if bind and unbind:
                    ok(tag + f": dev_id {r['dev_id']} bound before, "
                       "unbound after (the mock device torn down)")
                else:
                    fail(tag + ": its dev_id has no bind before / unbind after")
        elif name == "mock_attach":
            r = expect(tag, "iommufd_device_attach", dev_id=op["dev_id"],
                       hwpt_id=op["hwpt_id"], ioas_id=op["ioas_id"], pt_id=0,
                       group_devices=1, ret=ret)
        elif name == "mock_replace" and case == "bad_pt":
            r = expect(tag, "iommufd_device_replace", dev_id=op["dev_id"],
                       pt_id=op["pt_id"], hwpt_id=0, old_hwpt_id=0,
                       group_devices=0, ret=ret)
        elif name == "mock_replace":
            r = expect(tag, "iommufd_device_replace", dev_id=op["dev_id"],
                       hwpt_id=op["hwpt_id"], old_hwpt_id=op["old_hwpt_id"],
                       pt_id=0, group_devices=1, ret=ret)
        elif name == "mock_detach":
            r = expect(tag, "iommufd_device_detach", dev_id=op["dev_id"],
                       hwpt_id=op["hwpt_id"],
                       group_devices=1 if a.brk == "detach" else 0)
        elif name in ("map", "unmap"):
            continue
        else:
            fail(f"{tag}: the checker does not know this step")

    # f: no injected pin failure other than the one the kernel log names
    n_inj = sum(1 for x in recs if x["event"] == "iommufd_pages_pin_fail"
                and x["injected"])
    n_at = sum(1 for o in ops if o.get("case") == "fail_nth" and o["at_pin"])
    (ok if n_inj == n_at else fail)(
        f"f: {n_inj} injected pin failure record(s), {n_at} injection(s) "
        "at pfn_reader_user_pin in the kernel log")

    # h: the order of one device's attach/replace/detach = the ioctls' order
    kinds = {"mock_attach": "iommufd_device_attach",
             "mock_replace": "iommufd_device_replace",
             "mock_detach": "iommufd_device_detach"}
    devs = collections.OrderedDict()
    for o in ops:
        if o["op"] in kinds and "dev_id" in o:
            devs.setdefault(o["dev_id"], []).append(
                (kinds[o["op"]], o.get("hwpt_id", 0), o["ret"]))
    for dev, want in devs.items():
        got = [(x["event"], x["hwpt_id"], x["ret"]) for x in recs
               if x["event"] in kinds.values() and x["dev_id"] == dev]
        if a.brk == "order":
            want = want[::-1]
        if got == want:
            ok(f"h: dev_id {dev}: {len(got)} attach/replace/detach records "
               "in the workload's order")
        else:
            fail(f"h: dev_id {dev}: order {got} != workload's {want}")

    for nd in not_driven:
        what = nd["not_driven"]
        if what in KERNEL_CANNOT:
            n = sum(1 for x in all_recs
                    if x["event"] == "iommufd_" + what)
            (ok if n == 0 else fail)(
                f"NOT DRIVEN {what} ({nd.get('reason')}): and {n} records "
                "of it (must be 0)")
        else:
            fail(f"NOT DRIVEN {what}: {nd.get('reason')}")

    for s in "abcdefgh":
        if not seen_steps[s]:
            fail(f"path {s}: no step ran")
    print(f"steps per path: {dict(sorted(seen_steps.items()))}")
    print(f"{'FAILED' if fails else 'PASSED'}: {fails} failure(s)")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
