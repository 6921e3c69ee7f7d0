#!/usr/bin/env python3
"""check_vmm_iommutop.py - does an iommutop started late show the VMM's IOAS?

Usage: check_vmm_iommutop.py --pid PID [--stderr FILE] [--probe [--type1]] QEMU_LOG FRAMES

FRAMES holds iommutop -j frames, taken after the VMM (PID) had mapped its
memory and before it changed anything.  In the last frame, the VMM's IOAS
row must show what QEMU's trace log (tests/vm/qemu_trace.py) says:

- mapped_bytes: the sizes of QEMU's successful maps minus its unmaps
- pinned_pages: mapped_bytes / 4096 (QEMU's guest RAM and ROMs are
  anonymous memory, pinned page by page while the device's domain needs
  them; each map pins its own range)
- devices 1 and the HWPTs QEMU 10.0 allocated (1; QEMU 7.2's compat
  container: 1 automatic HWPT)
- coherency "enforced": the edu device sits behind the outer VM's VT-d with
  snoop-control=on (tests/vm/run --vtd)

and the VMM must have exactly one IOAS row: QEMU 10.0's log names its IOAS
id; QEMU 7.2's container IOAS id is not in its log, so the one row of PID
is taken.  --probe: iommutop ran in probe mode (a kernel without our
tracepoints): the frame must say "source": "probe", and the values
docs/probe-mode.md calls not known (pinned_pages, hwpts, coherency) must be
null; mapped_bytes and devices as above.  --type1: the container is
VFIO's own (a kernel without iommufd, such as Debian's), so the row must be
of kind "type1" (iommutop's type1 probes and snapshot), its devices QEMU's
one group; an iommufd row must be of kind "iommufd".  Exit 0 if all match.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu_trace  # noqa: E402


def main(argv):
    args = argv[1:]
    pid, stderr, probe, type1 = None, None, False, False
    while args and args[0] in ("--pid", "--stderr", "--probe", "--type1"):
        if args[0] in ("--probe", "--type1"):
            probe = probe or args[0] == "--probe"
            type1 = type1 or args[0] == "--type1"
            args = args[1:]
            continue
        if args[0] == "--pid":
            pid = int(args[1])
        else:
            stderr = args[1]
        args = args[2:]
    if len(args) != 2 or pid is None:
        sys.stderr.write(__doc__)
        return 2
    log, frames_path = args
    with open(log, errors="replace") as f:
        text = f.read()
    ops = qemu_trace.load(log, stderr)
    objs = qemu_trace.objects(text)
    mapped = qemu_trace.mapped_bytes(ops)
    if objs["ioas"]:
        if len(objs["ioas"]) != 1:
            print("FAIL QEMU's log has %d IOASes alive: %s" % (len(objs["ioas"]), objs["ioas"]))
            return 1
        ioas = objs["ioas"][0]
        on_ioas = [h for h, i in objs["hwpts"].items() if i == ioas]
        pts = set(on_ioas) | {ioas}
        ndev = sum(pt in pts for pt in objs["devices"].values())
        # a device attached to the IOAS itself gets an automatic HWPT
        nhwpt = len(on_ioas) + (1 if ioas in objs["devices"].values() else 0)
        want_mapped = mapped.get(ioas, 0)
    else:
        ioas, ndev, nhwpt = None, 1, 1
        want_mapped = mapped.get(qemu_trace.CONTAINER, 0)
    nmap = sum(o["op"] == "map" and o["ret"] == 0 for o in ops)
    nunmap = sum(o["op"] == "unmap" and o["ret"] == 0 for o in ops)
    want = {"kind": "type1" if type1 else "iommufd",
            "mapped_bytes": want_mapped, "pinned_pages": want_mapped // 4096,
            "devices": ndev, "hwpts": nhwpt, "coherency": "enforced"}
    if probe:
        want.update(pinned_pages=None, hwpts=None, coherency=None)
    print("QEMU (pid %d) log: IOAS %s, %d maps, %d unmaps, %d failed: mapped %d bytes; "
          "expect %s" % (pid, ioas if ioas is not None else "(container)", nmap, nunmap,
                         sum(o["ret"] != 0 for o in ops), want_mapped, json.dumps(want)))
    frames = []
    with open(frames_path) as f:
        for line in f:
            try:
                frames.append(json.loads(line))
            except ValueError:
                pass
    if not frames:
        print("FAIL no iommutop frame")
        return 1
    rows = [r for r in frames[-1]["ioas"] if r["pid"] == pid]
    print("iommutop frame %d: %d IOAS rows, %d of pid %d: %s" % (
        frames[-1]["frame"], len(frames[-1]["ioas"]), len(rows), pid,
        json.dumps([{k: r.get(k) for k in ("ioas_id", "pid", "preexisting") + tuple(want)}
                    for r in rows])))
    if ioas is not None:
        rows = [r for r in rows if r["ioas_id"] == ioas]
    if len(rows) != 1:
        print("FAIL iommutop shows %d rows for IOAS %s of pid %d, not 1" %
              (len(rows), ioas if ioas is not None else "(any)", pid))
        return 1
    fail = 0
    if probe:
        src = frames[-1].get("source")
        print("%s source        iommutop %s, want probe" % ("ok  " if src == "probe" else "FAIL", src))
        fail |= src != "probe"
    for k, v in want.items():
        got = rows[0].get(k)
        ok = got == v
        print("%s %-13s iommutop %s, QEMU %s" % ("ok  " if ok else "FAIL", k, got, v))
        fail |= not ok
    return fail


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception:		# a checker bug is not a verdict: exit 3
        import traceback
        traceback.print_exc()
        sys.exit(3)
