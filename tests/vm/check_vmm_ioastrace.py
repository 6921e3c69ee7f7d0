#!/usr/bin/env python3
"""check_vmm_ioastrace.py - does ioastrace show what QEMU did?

Usage: check_vmm_ioastrace.py --pid PID --since OFFSET [--stderr FILE]
                              [--wait SECS] [--tracer TRACER_PID] [--probe]
                              QEMU_LOG JSONL

QEMU_LOG is the VMM's trace log (tests/vm/qemu_trace.py); the operations
from byte OFFSET on are the ones QEMU made while ioastrace (-j, output in
JSONL, still running) watched.  Reads JSONL, again and again for at most
SECS (default 30) until it holds as many map/unmap events of PID as QEMU's
log has operations: ioastrace's output is read while ioastrace runs, never
after it was stopped (with --tracer, the check fails if TRACER_PID is no
longer running when the output was read).  Then, one to one and in order,
each QEMU map/unmap must be an iommufd_ioas_map/unmap event of PID with the
same IOAS (QEMU 7.2's container: one IOAS id for all), IOVA, length and
result (ret 0, or the error QEMU got; an unmap QEMU made must have unmapped
its size), and ioastrace must show no other map/unmap of PID.
--probe: ioastrace ran in probe mode (a kernel without our tracepoints):
every event must say "source": "probe", and the differences of
docs/probe-mode.md are the expected ones: a successful unmap's "length" is
null (the kernel has overwritten it; "unmapped" must still be QEMU's size).
Exit 0 if all match, 1 if not.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu_trace  # noqa: E402

EVENTS = {"iommufd_ioas_map": "map", "iommufd_ioas_unmap": "unmap"}


def read_events(path, pid):
    got = []
    try:
        with open(path) as f:
            data = f.read()
    except OSError:
        return got
    for line in data.split("\n")[:-1]:		# complete lines only
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("event") in EVENTS and e.get("pid") == pid:
            got.append(e)
    return got


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def main(argv):
    args = argv[1:]
    opts = {"--pid": None, "--since": "0", "--stderr": None, "--wait": "30", "--tracer": None}
    probe = False
    while args and (args[0] in opts or args[0] == "--probe"):
        if args[0] == "--probe":
            probe, args = True, args[1:]
            continue
        opts[args[0]] = args[1]
        args = args[2:]
    if len(args) != 2 or opts["--pid"] is None:
        sys.stderr.write(__doc__)
        return 2
    log, jsonl = args
    pid = int(opts["--pid"])
    want = qemu_trace.load(log, opts["--stderr"], int(opts["--since"]))
    nmap = sum(o["op"] == "map" for o in want)
    print("QEMU (pid %d) in the watched period: %d maps (%d bytes), %d unmaps (%d bytes), "
          "%d failed" % (pid, nmap, sum(o["size"] for o in want if o["op"] == "map" and not o["ret"]),
                         len(want) - nmap,
                         sum(o["size"] for o in want if o["op"] == "unmap" and not o["ret"]),
                         sum(o["ret"] != 0 for o in want)))
    fail = 0
    if nmap == 0 or nmap == len(want):
        print("FAIL the period has no map or no unmap: nothing to compare")
        fail = 1
    deadline = time.monotonic() + float(opts["--wait"])
    t0 = time.monotonic()
    while True:
        tracer_ran = opts["--tracer"] is None or alive(int(opts["--tracer"]))
        got = read_events(jsonl, pid)
        if len(got) >= len(want) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    print("ioastrace's output read %.1f s after the actions, while it ran: %s; "
          "%d map/unmap events of pid %d" % (time.monotonic() - t0,
                                            "yes" if tracer_ran else "NO", len(got), pid))
    if not tracer_ran:
        print("FAIL ioastrace (pid %s) had exited when its output was read" % opts["--tracer"])
        fail = 1

    legacy_ioas = None
    for i in range(max(len(want), len(got))):
        w = want[i] if i < len(want) else None
        e = got[i] if i < len(got) else None
        if w is None:
            print("FAIL ioastrace has an extra %s: %s" % (EVENTS[e["event"]], json.dumps(e)))
            fail = 1
            continue
        if e is None:
            print("FAIL missing in ioastrace's output: QEMU %s (log line %d)" %
                  (qemu_trace.fmt(w), w["line"]))
            fail = 1
            continue
        why = []
        if EVENTS[e["event"]] != w["op"]:
            why.append("event %s" % e["event"])
        ioas = e.get("ioas_id")
        if w["ioas"] is not None:
            if ioas != w["ioas"]:
                why.append("ioas %s" % ioas)
        else:
            if legacy_ioas is None:
                legacy_ioas = ioas
            if ioas != legacy_ioas:
                why.append("ioas %s, not the container's %s" % (ioas, legacy_ioas))
        if e.get("iova") != w["iova"]:
            why.append("iova 0x%x" % e.get("iova", -1))
        if probe and e.get("source") != "probe":
            why.append("source %s" % e.get("source"))
        if probe and w["op"] == "unmap" and w["ret"] == 0:
            if e.get("length") is not None:
                why.append("length %s, not null (docs/probe-mode.md)" % e.get("length"))
        elif e.get("length") != w["size"]:
            why.append("length %s" % e.get("length"))
        ret = e.get("ret")
        if w["ret"] == 0 and ret != 0 or w["ret"] != 0 and (ret == 0 or w["ret"] != -1 and ret != w["ret"]):
            why.append("ret %s (%s)" % (ret, e.get("errno")))
        if w["op"] == "unmap" and w["ret"] == 0 and e.get("unmapped") != w["size"]:
            why.append("unmapped %s" % e.get("unmapped"))
        shown = "%s ioas=%s iova=0x%x length=%s ret=%s%s" % (
            EVENTS.get(e["event"]), ioas, e.get("iova", -1), e.get("length"), ret,
            " unmapped=%s" % e.get("unmapped") if "unmapped" in e else "")
        if why:
            print("FAIL QEMU %s | ioastrace %s: differs in %s" % (qemu_trace.fmt(w), shown, ", ".join(why)))
            fail = 1
        else:
            print("ok   QEMU %s | ioastrace %s" % (qemu_trace.fmt(w), shown))
    if legacy_ioas is not None:
        print("QEMU 7.2's container is IOAS %s" % legacy_ioas)
    print("%s: %d QEMU operations, %d ioastrace events" % ("FAIL" if fail else "ok", len(want), len(got)))
    return fail


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception:		# a checker bug is not a verdict: exit 3
        import traceback
        traceback.print_exc()
        sys.exit(3)
