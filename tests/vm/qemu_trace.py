#!/usr/bin/env python3
"""qemu_trace.py - QEMU's own trace log as the ground truth of the VMM tests.

Usage: qemu_trace.py [--stderr FILE] [--since OFFSET] [--json] LOG

LOG is the log QEMU wrote with -D LOG and the trace events tests/vm/guest-vmm
enables.  Prints every DMA map and unmap QEMU made, in order, and per IOAS
(or VFIO container) the bytes left mapped: the sum of the sizes of the
successful maps minus those of the successful unmaps.  --since OFFSET
starts at that byte offset of LOG (the log's size at some earlier moment):
the operations of a period.  --json prints one JSON object instead.

What each QEMU writes:

- QEMU 10.0 with -object iommufd: iommufd_backend_map_dma and
  iommufd_backend_unmap_dma carry the IOAS id, IOVA, size and the ioctl's
  return (0 or -1); iommufd_backend_unmap_dma_non_exist is an unmap the
  kernel refused with ENOENT (QEMU then carries on as if it had worked).
- QEMU 7.2 with the VFIO container: vfio_listener_region_add_ram (a
  VFIO_IOMMU_MAP_DMA follows, unless vfio_listener_region_add_no_dma_map
  says it is skipped) and vfio_listener_region_del (a VFIO_IOMMU_UNMAP_DMA
  follows) give IOVA and last byte; the container's IOAS id is not known
  to QEMU ("ioas": null, key "container").  A failed map or unmap is only
  reported on QEMU's stderr ("vfio_dma_map(...) = -14 (Bad address)"): give
  it with --stderr, else every 7.2 operation counts as successful.

An operation is a dict: op ("map"/"unmap"), ioas (int or None), iova, size
(bytes), ret (0, -1: failed with an unknown errno, or -errno), errno (name
or None), tid, t (QEMU's timestamp, s, or None), line, offset (in LOG).
"""
import errno as errno_mod
import json
import re
import sys

PREFIX = re.compile(r'^(?:(\d+)@(\d+)\.(\d+):)?(\w+) ?(.*)$')
MAP10 = re.compile(r'ioas=(\d+) iova=0x([0-9a-f]+) size=0x([0-9a-f]+) addr=\S+ readonly=(\d) \((-?\d+)\)')
UNMAP10 = re.compile(r'ioas=(\d+) iova=0x([0-9a-f]+) size=0x([0-9a-f]+) \((-?\d+)\)')
RANGE72 = re.compile(r'0x([0-9a-f]+) - 0x([0-9a-f]+)')
# error_report of a failed map / unmap (7.2: vfio_dma_map, 10.0:
# vfio_container_dma_map): (container, iova, size[, vaddr]) = -errno
ERR = re.compile(r'(vfio_dma_map|vfio_dma_unmap|vfio_container_dma_map|vfio_container_dma_unmap)'
                 r'\(0x[0-9a-f]+, 0x([0-9a-f]+), 0x([0-9a-f]+)(?:, [^)]*)?\) = (-?\d+)')
CONTAINER = "container"


def _errname(ret):
    return errno_mod.errorcode.get(-ret) if ret < 0 else None


def parse(log_text, stderr_text="", since=0):
    """The map/unmap operations of LOG_TEXT from byte offset SINCE on."""
    ops = []
    offset = 0
    pending_add = None
    for n, line in enumerate(log_text.splitlines(keepends=True), 1):
        start = offset
        offset += len(line.encode())
        if start < since:
            continue
        m = PREFIX.match(line.rstrip("\n"))
        if not m:
            continue
        tid = int(m.group(1)) if m.group(1) else None
        t = float(m.group(2) + "." + m.group(3)) if m.group(2) else None
        ev, rest = m.group(4), m.group(5)
        base = {"tid": tid, "t": t, "line": n, "offset": start}
        if ev == "iommufd_backend_map_dma":
            a = MAP10.search(rest)
            ret = int(a.group(5))
            ops.append(dict(base, op="map", ioas=int(a.group(1)), iova=int(a.group(2), 16),
                            size=int(a.group(3), 16), readonly=int(a.group(4)),
                            ret=ret, errno=None))
        elif ev in ("iommufd_backend_unmap_dma", "iommufd_backend_unmap_dma_non_exist"):
            a = UNMAP10.search(rest)
            ret = int(a.group(4))
            errno = None
            if ev.endswith("non_exist"):
                ret, errno = -errno_mod.ENOENT, "ENOENT"
            ops.append(dict(base, op="unmap", ioas=int(a.group(1)), iova=int(a.group(2), 16),
                            size=int(a.group(3), 16), ret=ret, errno=errno))
        elif ev == "vfio_listener_region_add_ram":
            a = RANGE72.search(rest)
            pending_add = dict(base, op="map", ioas=None, iova=int(a.group(1), 16),
                               size=int(a.group(2), 16) - int(a.group(1), 16) + 1,
                               ret=0, errno=None, legacy=True)
            ops.append(pending_add)
            continue
        elif ev == "vfio_listener_region_add_no_dma_map" and pending_add is not None:
            ops.remove(pending_add)		# 7.2: not mapped after all
        elif ev == "vfio_listener_region_del":
            a = RANGE72.search(rest)
            ops.append(dict(base, op="unmap", ioas=None, iova=int(a.group(1), 16),
                            size=int(a.group(2), 16) - int(a.group(1), 16) + 1,
                            ret=0, errno=None, legacy=True))
        pending_add = None
    # 10.0 traces both the listener and the backend: the backend's events
    # are the operations.  7.2 has only the listener's, and a result only
    # when it failed (stderr); 10.0's failures say -1, stderr the errno.
    legacy = all("legacy" in o for o in ops)
    ops = [o for o in ops if legacy == ("legacy" in o)]
    for o in ops:
        o.pop("legacy", None)
    for m in ERR.finditer(stderr_text or ""):
        kind = "map" if "_map(" in m.group(0) else "unmap"
        iova, size, ret = int(m.group(2), 16), int(m.group(3), 16), int(m.group(4))
        for o in ops:
            if o["op"] == kind and o["iova"] == iova and o["size"] == size \
                    and o["ret"] == (0 if legacy else -1) and not o.get("_err"):
                o["ret"], o["errno"], o["_err"] = ret, _errname(ret), True
                break
    for o in ops:
        o.pop("_err", None)
    return ops


def ioas_key(op):
    return op["ioas"] if op["ioas"] is not None else CONTAINER


def mapped_bytes(ops):
    """{ioas or "container": bytes mapped} after OPS"""
    out = {}
    for o in ops:
        k = ioas_key(o)
        out.setdefault(k, 0)
        if o["ret"] == 0:
            out[k] += o["size"] if o["op"] == "map" else -o["size"]
    return out


def summary(ops):
    per = {}
    for o in ops:
        s = per.setdefault(str(ioas_key(o)), {"maps": 0, "unmaps": 0, "failed": 0,
                                               "map_bytes": 0, "unmap_bytes": 0})
        if o["ret"] != 0:
            s["failed"] += 1
            continue
        s[o["op"] + "s"] += 1
        s[o["op"] + "_bytes"] += o["size"]
    for k, v in mapped_bytes(ops).items():
        per[str(k)]["mapped_bytes"] = v
    return per


def objects(log_text):
    """What QEMU 10.0's log says about its iommufd objects at its end:
    {"ioas": [ids], "hwpts": {hwpt: ioas}, "devices": {name: pt_id}}
    (allocated and not freed; devices attached and not detached).
    7.2 (legacy) logs none of these: all empty."""
    ioas, hwpts, devices = [], {}, {}
    for line in log_text.splitlines():
        m = PREFIX.match(line)
        if not m:
            continue
        ev, rest = m.group(4), m.group(5)
        if ev == "iommufd_backend_alloc_ioas":
            ioas.append(int(re.search(r'ioas=(\d+)', rest).group(1)))
        elif ev == "iommufd_backend_alloc_hwpt":
            a = re.search(r'pt_id=(\d+) .*out_hwpt=(\d+) \((-?\d+)\)', rest)
            if int(a.group(3)) == 0:
                hwpts[int(a.group(2))] = int(a.group(1))
        elif ev == "iommufd_backend_free_id":
            a = re.search(r'id=(\d+) \((-?\d+)\)', rest)
            if int(a.group(2)) == 0:
                i = int(a.group(1))
                hwpts.pop(i, None)
                if i in ioas:
                    ioas.remove(i)
        elif ev == "iommufd_cdev_attach_ioas_hwpt":
            a = re.search(r'attached device (\S+) \(\d+\) to id=(\d+)', rest)
            devices[a.group(1)] = int(a.group(2))
        elif ev == "iommufd_cdev_detach_ioas_hwpt":
            devices.pop(re.search(r'detached (\S+)', rest).group(1), None)
    return {"ioas": ioas, "hwpts": hwpts, "devices": devices}


def load(log_path, stderr_path=None, since=0):
    with open(log_path, errors="replace") as f:
        log = f.read()
    err = ""
    if stderr_path:
        with open(stderr_path, errors="replace") as f:
            err = f.read()
    return parse(log, err, since)


def fmt(o):
    return "%-5s ioas=%s iova=0x%x size=0x%x (%d) ret=%d%s" % (
        o["op"], o["ioas"] if o["ioas"] is not None else "?", o["iova"], o["size"], o["size"],
        o["ret"], " " + o["errno"] if o["errno"] else "")


def main(argv):
    args = argv[1:]
    stderr_path, since, as_json = None, 0, False
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--stderr":
            stderr_path = args.pop(0)
        elif opt == "--since":
            since = int(args.pop(0))
        elif opt == "--json":
            as_json = True
        else:
            sys.stderr.write(__doc__)
            return 2
    if len(args) != 1:
        sys.stderr.write(__doc__)
        return 2
    ops = load(args[0], stderr_path, since)
    if as_json:
        with open(args[0], errors="replace") as f:
            objs = objects(f.read())
        print(json.dumps({"ops": ops, "per_ioas": summary(ops), "objects": objs}))
        return 0
    for o in ops:
        print(fmt(o))
    for k, s in summary(ops).items():
        print("ioas %s: %d maps (%d bytes), %d unmaps (%d bytes), %d failed, mapped %d bytes" % (
            k, s["maps"], s["map_bytes"], s["unmaps"], s["unmap_bytes"], s["failed"],
            s["mapped_bytes"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
