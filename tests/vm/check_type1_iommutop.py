#!/usr/bin/env python3
"""check_type1_iommutop.py - iommutop's frames of a VFIO type1 container
against tests/workload/vfio_type1_hold's own lines.

Usage: check_type1_iommutop.py OUTPUT

OUTPUT is tests/vm/t-stock-debian-type1-locks's: the workload's lines
("wl op=..."), its pid ("workload_pid N"), the number of iommutop -j frames
written at each step ("held|contended|closed frames N") and the frames
("frame {...}") and perf lock contention's CSV rows of the contention step
("perf contended, total wait, max wait, avg wait, address, symbol, type").
The frame at each step (the Nth) must show, for the
workload's pid:

- held: one row, "kind": "type1", "preexisting": true (the container was
  made before iommutop started: its start-up snapshot), "mapped_bytes" the
  workload's one map, "devices" 1 (edu's group), source "probe";
- contended: the same mapped bytes; "maps" and "unmaps" the workload's
  contention counts (the only maps and unmaps while iommutop ran); no
  error; a lock row "vfio_iommu->lock" owned by "type1" with the row's
  ioas_id and the workload's pid, contended > 0, and perf's row of its
  address: the same contentions, total wait within 2 %;
- closed: no row of the workload (its container released).

Exit 0 if all hold, 1 if not, 3 on a checker error.
"""
import json
import re
import sys

fail = 0


def say(good, msg):
    global fail
    print(("ok   " if good else "FAIL ") + msg)
    fail |= not good


def main(path):
    text = open(path, errors="replace").read()
    frames = [json.loads(l[6:]) for l in text.splitlines() if l.startswith("frame {")]
    wl = [l[3:] for l in text.splitlines() if l.startswith("wl ")]
    pid = int(re.search(r"^workload_pid (\d+)$", text, re.M)[1])
    at = {m[1]: int(m[2]) for m in re.finditer(r"^(held|contended|closed) frames (\d+)$", text, re.M)}

    def op(name):
        for line in wl:
            if line.split()[0] == "op=" + name:
                return dict(kv.split("=", 1) for kv in line.split())
        return None

    hold = op("map")
    contend = op("contend")
    say(hold is not None and hold["ret"] == "0" and contend is not None and
        contend["failed"] == "0" and op("close") is not None,
        "the workload: map %s, contention %s, closed" % (hold, contend))
    if hold is None or contend is None or set(at) != {"held", "contended", "closed"}:
        return 1
    say(re.search(r"^iommutop_rc 0$", text, re.M) is not None, "iommutop exit 0")
    say(re.search(r"^top_err iommutop: probe: VFIO type1 containers \(vfio_iommu_type1\) shown as IOAS rows", text, re.M)
        is not None, "iommutop says it shows VFIO type1 containers")

    def rows(step):
        f = frames[at[step] - 1]
        return f, [r for r in f["ioas"] if r["pid"] == pid]

    f, r = rows("held")
    want = {"kind": "type1", "preexisting": True, "mapped_bytes": int(hold["length"]),
            "devices": 1, "pinned_pages": None, "hwpts": None, "coherency": None}
    say(f["source"] == "probe" and len(r) == 1 and all(r[0].get(k) == v for k, v in want.items()),
        "held (frame %d): %s, want one row %s" % (f["frame"], json.dumps(r), json.dumps(want)))
    if len(r) != 1:
        return 1
    cid = r[0]["ioas_id"]

    f, r = rows("contended")
    want = {"kind": "type1", "ioas_id": cid, "mapped_bytes": int(hold["length"]), "devices": 1,
            "maps": int(contend["maps"]), "unmaps": int(contend["unmaps"]), "errors": 0}
    say(len(r) == 1 and all(r[0].get(k) == v for k, v in want.items()),
        "contended (frame %d): %s, want %s" % (
            f["frame"], json.dumps([{k: x.get(k) for k in want} for x in r]), json.dumps(want)))
    locks = [l for l in f["locks"] if l.get("lock") == "vfio_iommu->lock"]
    say(len(locks) == 1 and locks[0]["owner"] == "type1" and locks[0]["owner_id"] == cid and
        locks[0]["owner_pid"] == pid and locks[0]["contended"] > 0 and locks[0]["wait_ns"] > 0,
        "contended: lock rows %s, want one vfio_iommu->lock of type1 %d/%d, contended > 0" %
        (json.dumps(locks), cid, pid))

    perf = {}
    for l in text.splitlines():
        if l.startswith("perf "):
            p = [x.strip() for x in l[5:].split(",")]
            perf[int(p[4], 16)] = (int(p[0]), int(p[1]))
    if len(locks) == 1:
        addr = int(locks[0]["addr"], 16)
        pc, pw = perf.get(addr, (0, 0))
        mc, mw = locks[0]["contended"], locks[0]["wait_ns"]
        diff = (mw - pw) / pw * 100 if pw else float("inf")
        say(mc == pc and abs(diff) <= 2.0,
            "vfio_iommu->lock %#x: contended iommutop %d, perf %d; wait iommutop %d ns, perf %d ns (%+.2f %%)" %
            (addr, mc, pc, mw, pw, diff))

    f, r = rows("closed")
    say(not r, "closed (frame %d): rows of pid %d: %s, want none" % (f["frame"], pid, json.dumps(r)))
    return fail


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1]))
    except Exception:           # a checker bug is not a verdict: exit 3
        import traceback
        traceback.print_exc()
        sys.exit(3)
