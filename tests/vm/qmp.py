#!/usr/bin/env python3
"""qmp.py - a small QMP client (python3 stdlib) for the VMM tests.

Usage: qmp.py SOCKET COMMAND [ARG...]

  qmp.py SOCK exec NAME [JSON]      any QMP command; prints its "return" as JSON
  qmp.py SOCK status                query-status: "running", "prelaunch", ...
  qmp.py SOCK device-add JSON       device_add with these arguments
  qmp.py SOCK device-del ID [SECS]  device_del, then wait (default 30 s) for
                                    DEVICE_DELETED of ID
  qmp.py SOCK mem-add ID MiB        object-add memory-backend-ram (id mem-ID)
                                    and device_add pc-dimm (id ID); prints the
                                    DIMM's address and size
  qmp.py SOCK quit

A QMP error is printed on stderr, exit status 1.  The commands change the
VMM's guest memory map or device set, and with them the DMA mappings its
VFIO container / IOAS holds: that is what the VMM tests watch.
"""
import json
import socket
import sys
import time


class QMPError(Exception):
    pass


class QMP:
    def __init__(self, path, timeout=60):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.f = self.sock.makefile("rw")
        self.events = []
        greeting = self._read()
        if "QMP" not in greeting:
            raise QMPError("no QMP greeting: %r" % greeting)
        self.version = greeting["QMP"]["version"]["qemu"]
        self.execute("qmp_capabilities")

    def _read(self):
        line = self.f.readline()
        if not line:
            raise QMPError("QMP connection closed")
        return json.loads(line)

    def execute(self, name, args=None):
        cmd = {"execute": name}
        if args:
            cmd["arguments"] = args
        self.f.write(json.dumps(cmd) + "\n")
        self.f.flush()
        while True:
            msg = self._read()
            if "event" in msg:
                self.events.append(msg)
                continue
            if "error" in msg:
                raise QMPError("%s: %s" % (name, msg["error"].get("desc", msg["error"])))
            return msg.get("return")

    def wait_event(self, name, match=None, timeout=30):
        """Wait for event NAME whose data contains MATCH (dict); returns it."""
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev["event"] == name and all(
                        ev.get("data", {}).get(k) == v for k, v in (match or {}).items()):
                    return self.events.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                raise QMPError("no %s %s within %ds" % (name, match or "", timeout))
            self.sock.settimeout(left)
            try:
                msg = self._read()
            except socket.timeout:
                continue
            if "event" in msg:
                self.events.append(msg)

    def close(self):
        self.sock.close()


def mem_add(q, dimm_id, mib):
    q.execute("object-add", {"qom-type": "memory-backend-ram", "id": "mem-" + dimm_id,
                             "size": mib << 20})
    q.execute("device_add", {"driver": "pc-dimm", "id": dimm_id, "memdev": "mem-" + dimm_id})
    for d in q.execute("query-memory-devices"):
        if d.get("data", {}).get("id") == dimm_id:
            return {"id": dimm_id, "addr": d["data"]["addr"], "size": d["data"]["size"]}
    raise QMPError("pc-dimm %s not in query-memory-devices" % dimm_id)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    sock, cmd, args = argv[1], argv[2], argv[3:]
    try:
        q = QMP(sock)
        if cmd == "exec":
            out = q.execute(args[0], json.loads(args[1]) if len(args) > 1 else None)
        elif cmd == "status":
            out = q.execute("query-status")["status"]
        elif cmd == "device-add":
            out = q.execute("device_add", json.loads(args[0]))
        elif cmd == "device-del":
            q.execute("device_del", {"id": args[0]})
            out = q.wait_event("DEVICE_DELETED", {"device": args[0]},
                               int(args[1]) if len(args) > 1 else 30)
        elif cmd == "mem-add":
            out = mem_add(q, args[0], int(args[1]))
        elif cmd == "quit":
            out = q.execute("quit")
        else:
            sys.stderr.write("qmp.py: unknown command %r\n" % cmd)
            return 2
    except (QMPError, OSError, ValueError, IndexError) as e:
        sys.stderr.write("qmp.py %s: %s\n" % (cmd, e))
        return 1
    print(out if isinstance(out, str) else json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
