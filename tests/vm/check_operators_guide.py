#!/usr/bin/env python3
"""check_operators_guide.py GUIDE OUTDIR: check what tests/vm/guest-operators-guide
ran and saw against docs/operators-guide.md (GUIDE) and QEMU's own trace logs.

Each check prints "ok" or "FAIL" with the figures; exit 1 on any FAIL."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu_trace  # noqa: E402

LIVE_S = 1.0    # a record must be in the tracer's output this soon
fails = 0


def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    fails += not ok


def kv(line):
    return dict(re.findall(r'(\w+)=(\S+)', line))


def lines(path, word):
    try:
        return [ln for ln in open(path, errors="replace") if word in ln]
    except FileNotFoundError:
        return []


def human(v):
    """iommutop's MAPPED column (tools/iommutop/frame.c: human())"""
    u = 0
    while v >= 1024 and u < 5:
        v /= 1024
        u += 1
    return "%.0f" % v if not u else "%.1f%s" % (v, " KMGTP"[u])


def guide_commands(path):
    """The iommutop / ioastrace commands of the guide's code blocks
    (indented or fenced), in order"""
    cmds, fenced = [], False
    for ln in open(path):
        if ln.startswith("```"):
            fenced = not fenced
            continue
        m = re.match(r'^(?: {4,}|(?=(?:iommutop|ioastrace) ))((?:iommutop|ioastrace) .*?)\s*&?\s*$', ln)
        if m and (fenced or ln.startswith("    ")):
            cmds.append(m.group(1))
    return cmds


def main(guide, out):
    steps = [ln.rstrip("\n") for ln in open(os.path.join(out, "steps"))]
    val = {}
    for s in steps:
        k, _, v = s.partition(": ")
        val.setdefault(k, []).append(v)
    for s in steps:
        if s.startswith("fail: "):
            check(False, s)

    # every command of the guide ran, in the guide's order
    want, ran = guide_commands(guide), val.get("run", [])
    check(want and want == ran,
          f"the guide's {len(want)} commands ran as typed, in order"
          + ("" if want == ran else f": guide {want}, ran {ran}"))
    for name in ("unplug", "memlock", "plug", "record"):
        got = val.get("live", [])
        t = [g.split()[1] for g in got if g.split()[0] == name]
        check(t and t[0] != "timeout" and float(t[0]) <= LIVE_S,
              f"{name}: the tracer's output held QEMU's operations "
              f"{t[0] if t else '?'} s after QEMU made them, while it ran (<= {LIVE_S} s)")
    bdf = val["bdf"][0]

    # First look: the full-screen frame against QEMU's log at that moment
    ops = qemu_trace.load(os.path.join(out, "first-look.qemu.log"))
    per = qemu_trace.mapped_bytes(ops)
    ioas, mapped = max(per.items())
    rows = [r.split() for r in lines(os.path.join(out, "first-look.screen"), "qemu-system")]
    row = rows[0] if rows else []
    want_row = [str(ioas), "1", "0", "1", human(mapped), str(mapped // 4096), "enforced"]
    got_row = [row[i] for i in (0, 3, 4, 5, 6, 7, 8)] if len(row) > 8 else row
    check(got_row == want_row,
          f"first look: IOAS DEVS ACC HWPT MAPPED PINNED COHERENCY = {got_row}, "
          f"QEMU's log: {want_row} ({mapped} bytes mapped)")

    # The fault watcher ran through every step: no fault, as the kernel's
    # own DMAR log says
    faults = lines(os.path.join(out, "faults.out"), "dmar_fault")
    dmar = lines(os.path.join(out, "dmesg.txt"), "DMAR: [DMA")
    check(val.get("faults-stopped") == ["0"] and not faults and not dmar,
          f"fault watcher: {len(faults)} faults shown, the kernel logged {len(dmar)} DMAR faults, "
          f"exit {val.get('faults-stopped')}")

    # A device lost its mappings: every unmap QEMU made at the unplug
    log = os.path.join(out, "qemu.log")
    unmaps = [o for o in qemu_trace.load(log, since=int(val["since-unplug"][0]))
              if o["op"] == "unmap" and o["ret"] == 0]
    seen = [kv(ln) for ln in lines(os.path.join(out, "lost.out"), "iommufd_ioas_unmap")]
    missing = [o for o in unmaps if not any(
        s.get("ioas") == str(o["ioas"]) and int(s.get("iova", "0"), 16) == o["iova"]
        and s.get("length") == str(o["size"]) for s in seen)]
    check(unmaps and not missing,
          f"device unplug: {len(unmaps)} unmaps in QEMU's log, {len(seen)} iommufd_ioas_unmap "
          f"lines, missing {[qemu_trace.fmt(o) for o in missing]}")
    check(lines(os.path.join(out, "lost.out"), "iommufd_device_detach") != [],
          "device unplug: iommufd_device_detach shown")
    check(any(bdf in ln for ln in lines(os.path.join(out, "domain.out"), "dmar_domain_detach")),
          f"device unplug: dmar_domain_detach of {bdf}")

    # Mapping fails: the second VMM's refused maps, with the memlock cause
    log2 = os.path.join(out, "qemu2.log")
    failed = [o for o in qemu_trace.load(log2, os.path.join(out, "qemu2.err"))
              if o["op"] == "map" and o["ret"] != 0] if os.path.exists(log2) else []
    seen = [kv(ln) for ln in lines(os.path.join(out, "fail.out"), "iommufd_ioas_map")
            if "ENOMEM" in ln]
    missing = [o for o in failed if not any(
        int(s.get("iova", "0"), 16) == o["iova"] and s.get("length") == str(o["size"])
        for s in seen)]
    check(failed and not missing,
          f"memlock: QEMU's {len(failed)} failed maps all shown by ioastrace -x with ENOMEM "
          f"(missing {[qemu_trace.fmt(o) for o in missing]})")
    pins = [kv(ln) for ln in lines(os.path.join(out, "fail.out"), "iommufd_pages_pin ")
            if "ENOMEM" in ln]
    check(any(p.get("account_mode") == "user" for p in pins),
          f"memlock: iommufd_pages_pin ENOMEM charged to the user ({len(pins)} lines)")
    # the second VMM ran under prlimit --memlock=16777216: 4096 pages
    check(pins and all(p.get("limit") == str(16777216 // 4096)
                       and int(p.get("locked", 0)) + int(p.get("npages", 0)) > 4096
                       for p in pins),
          f"memlock: the refused pins say locked + npages > limit = 4096 pages "
          f"{[(p.get('locked'), p.get('npages'), p.get('limit')) for p in pins]}")

    # Coherency at the re-plug: the HWPT QEMU allocated enforces snoop control
    objs = qemu_trace.objects(open(log, errors="replace").read()[int(val["since-plug"][0]):])
    hwpts = [str(h) for h in objs["hwpts"]]
    alloc = [kv(ln) for ln in lines(os.path.join(out, "cc.out"), "iommufd_hwpt_alloc")]
    check(alloc and [a.get("hwpt") for a in alloc] == hwpts
          and all(a.get("enforce_cc") == "1" for a in alloc),
          f"coherency: hwpt_alloc {[(a.get('hwpt'), a.get('enforce_cc')) for a in alloc]}, "
          f"QEMU allocated HWPTs {hwpts}")
    # ... and the device was attached to it (one attempt, ret 0: ioastrace's
    # RET column), with that HWPT's enforce_cc, the group's one device
    att = [(kv(ln), ln.split()[5]) for ln in lines(os.path.join(out, "cc.out"),
                                                   "iommufd_device_attach")]
    check(att and [a.get("hwpt") for a, _ in att] == hwpts
          and all(r == "0" and a.get("enforce_cc") == "1" and a.get("group_devices") == "1"
                  for a, r in att),
          f"coherency: device_attach (hwpt, enforce_cc, group_devices, ret) "
          f"{[(a.get('hwpt'), a.get('enforce_cc'), a.get('group_devices'), r) for a, r in att]}, "
          f"QEMU allocated HWPTs {hwpts}")
    vtd = [kv(ln) for ln in lines(os.path.join(out, "cc.out"), "dmar_enforce_cc")]
    check(vtd and all(v.get("enforced") == "1" for v in vtd),
          f"coherency: VT-d {[(v.get('enforced'), v.get('reason')) for v in vtd]}")
    check(any(bdf in ln for ln in lines(os.path.join(out, "domain.out"), "dmar_domain_attach")),
          f"re-plug: dmar_domain_attach of {bdf}")
    waits = [kv(ln) for ln in lines(os.path.join(out, "qiwait.out"), "dmar_qi_wait")]
    check(waits and all(w.get("iommu") == "dmar0" and int(w.get("count", "0")) > 0
                        and int(w.get("wait_ns", "0")) > 0 for w in waits),
          f"DMA is slow: {len(waits)} invalidation waits of dmar0, each of >= 1 "
          f"descriptor and > 0 ns, while the device was re-plugged")
    refused = lines(os.path.join(out, "refused.out"), "dmar_domain_attach")
    check(not refused, "coherency: no refused attach (one IOMMU, with snoop "
          f"control; QEMU's device_add succeeded): {refused[:2]}")

    # Keeping a record: the DIMM's map in the JSON log; iommutop's frame
    maps = [o for o in qemu_trace.load(log, since=int(val["since-dimm"][0]))
            if o["op"] == "map" and o["ret"] == 0]
    rec = [json.loads(ln) for ln in open(os.path.join(out, "record.jsonl"))]
    rec = [r for r in rec if r.get("event") == "iommufd_ioas_map"]
    missing = [o for o in maps if not any(
        r.get("ioas_id") == o["ioas"] and r.get("iova") == o["iova"]
        and r.get("length") == o["size"] for r in rec)]
    check(maps and not missing,
          f"record: QEMU's {len(maps)} maps of the DIMM in the ioastrace JSON log "
          f"(missing {[qemu_trace.fmt(o) for o in missing]})")
    per = qemu_trace.mapped_bytes(qemu_trace.load(log))
    ioas = objs["ioas"][-1] if objs["ioas"] else None
    frames = [json.loads(ln) for ln in open(os.path.join(out, "record-top.jsonl"))]
    got = [r for f in frames[-1:] for r in f["ioas"] if r["ioas_id"] == ioas]
    check(got and got[0]["mapped_bytes"] == per.get(ioas) and got[0]["devices"] == 1,
          f"record: iommutop's last frame (after the DIMM's map), IOAS {ioas}: "
          f"{got and {k: got[0][k] for k in ('mapped_bytes', 'pinned_pages', 'devices')}}, "
          f"QEMU's log: {per.get(ioas)} bytes mapped")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
