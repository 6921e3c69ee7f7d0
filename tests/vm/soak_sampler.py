#!/usr/bin/env python3
"""Guest side of the soak (tests/vm/guest-soak): soak_sampler.py TOOLS SECONDS STOPFILE

Every SECONDS, until STOPFILE exists (then one last sample), prints one line
"sample {json}" on stdout (and appends a byte to STOPFILE.n):

  {"t": seconds since the first sample, "dur": seconds it took,
   "tools": {NAME: {"pid", "rss_kb" (VmRSS of /proc/PID/status),
                    "maps": {MAP: entries}, "cap": {MAP: max_entries},
                    "dropped" (iommutop: its last JSON frame's, summed over
                               causes if it is an object),
                    "lost" (ioastrace: records it said on stderr it lost)}}}

TOOLS is a file re-read at each sample, one tool a line: "NAME PID OUT ERR"
(OUT its JSON output, ERR its stderr); tools started late are added to it.
The maps are the BPF maps the tool's process holds (the bpf-map fds of
/proc/PID/fd, their map_id from fdinfo), counted through a new fd
(bpf_map_get_fd_by_id) with libbpf's
bpf_map_lookup_batch() (a consistent walk, bucket by bucket: no entry seen
twice while the map changes, as get_next_key would); only maps whose number
of entries can vary (hash and LRU hash kinds) are counted: arrays are always
full, ring buffers hold records not entries (ioastrace's losses are its
"lost"), task storage (ioctl_start, iommutop's tid_ioas) has no keys to walk
and is freed by the kernel with its thread.  Names and types: `bpftool -j map show`, once per sample.
"""
import ctypes
import errno
import json
import os
import re
import subprocess
import sys
import time

COUNTED = {"hash", "lru_hash", "percpu_hash", "lru_percpu_hash"}


libbpf = ctypes.CDLL("libbpf.so.1", use_errno=True)
NCPU = os.cpu_count()


def count_entries(m):
    """Entries of map M (bpftool's JSON description), or None"""
    fd = libbpf.bpf_map_get_fd_by_id(ctypes.c_uint(m["id"]))
    if fd < 0:
        return None
    try:
        ks, vs, maxe = m["bytes_key"], m["bytes_value"], m["max_entries"]
        if m["type"].startswith(("percpu", "lru_percpu")):
            vs = (vs + 7) // 8 * 8 * NCPU
        keys = ctypes.create_string_buffer(ks * maxe)
        vals = ctypes.create_string_buffer(vs * maxe)
        tok_in = ctypes.create_string_buffer(max(ks, 8))
        tok_out = ctypes.create_string_buffer(max(ks, 8))
        n, first = 0, True
        while True:
            cnt = ctypes.c_uint32(maxe)
            ret = libbpf.bpf_map_lookup_batch(
                fd, None if first else tok_in, tok_out, keys, vals,
                ctypes.byref(cnt), None)
            err = ctypes.get_errno()
            n += cnt.value
            if ret < 0:
                return n if err == errno.ENOENT else None
            first = False
            ctypes.memmove(tok_in, tok_out, len(tok_out))
    finally:
        os.close(fd)


def map_ids(pid):
    ids = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") != "anon_inode:bpf-map":
                continue
            info = open(f"/proc/{pid}/fdinfo/{fd}").read()
        except OSError:
            continue
        m = re.search(r"^map_id:\s*(\d+)", info, re.M)
        if m:
            ids.append(int(m.group(1)))
    return sorted(set(ids))


def rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


def last_frame(path):
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - 262144))
            lines = f.read().split(b"\n")
    except OSError:
        return None
    for line in reversed(lines[:-1]):	# the last one may be incomplete
        try:
            return json.loads(line)
        except ValueError:
            continue
    return None


def lost(path):
    n = 0
    try:
        for line in open(path):
            m = re.search(r"lost (\d+) records", line)
            if m:
                n += int(m.group(1))
    except OSError:
        pass
    return n


def sample(tools, t0):
    out = {"t": round(time.monotonic() - t0, 1), "tools": {}}
    info = {m["id"]: m for m in json.loads(subprocess.run(
        ["bpftool", "-j", "map", "show"], capture_output=True, text=True,
        check=True).stdout or "[]")}
    for name, pid, outf, errf in tools:
        try:
            ids = [i for i in map_ids(pid)
                   if info.get(i, {}).get("type") in COUNTED]
            rec = {"pid": pid, "rss_kb": rss_kb(pid), "maps": {}}
        except OSError:
            continue		# exited
        if name.startswith("top"):
            fr = last_frame(outf)
            d = fr.get("dropped") if fr else None
            rec["dropped"] = sum(d.values()) if isinstance(d, dict) else d
        else:
            rec["lost"] = lost(errf)
        for i in ids:
            rec["maps"][info[i]["name"]] = count_entries(info[i])
            rec.setdefault("cap", {})[info[i]["name"]] = info[i]["max_entries"]
        out["tools"][name] = rec
    out["dur"] = round(time.monotonic() - t0 - out["t"], 2)
    return out


def main():
    tools_file, every, stop = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    t0 = time.monotonic()
    while True:
        last = os.path.exists(stop)
        tools = []
        for line in open(tools_file):
            f = line.split()
            if len(f) == 4:
                tools.append((f[0], int(f[1]), f[2], f[3]))
        try:
            s = sample(tools, t0)
        except (subprocess.CalledProcessError, ValueError) as e:
            print(f"sampler: {e}", file=sys.stderr)
            s = None
        if s:
            print("sample " + json.dumps(s, separators=(",", ":")), flush=True)
            with open(stop + ".n", "a") as f:	# the guest job waits on it
                f.write(".")
        if last:
            return
        time.sleep(every)


if __name__ == "__main__":
    main()
