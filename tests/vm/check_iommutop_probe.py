#!/usr/bin/env python3
"""check_iommutop_probe.py OUTPUT WHY: iommutop's probe source (issue 12)
against the workloads' own records (tests/vm/guest-iommutop-probe's
output), never against another iommutop.  WHY is what the start-up line must
give as the reason ("--source probe", or "this kernel has no iommutrace
tracepoints").

- iommutop says on stderr that it uses probes, and why; every frame has
  "source": "probe" and null for what probes cannot know (pinned pages,
  pins, accesses, HWPTs, coherency, DMA faults);
- map_hold A, holding before iommutop started (the start-up snapshot): in
  every frame, each of its IOASes (its ioas= and pid) is there, preexisting,
  with the bytes A says it mapped, as many devices as A's op=mock_domain
  lines for it, and no map counted (none happened while iommutop ran);
- map_hold B, run while iommutop ran (the probe events): in the frames
  between its "holding" and its exit, its IOAS is there, not preexisting,
  its pid and comm, the bytes B says it has mapped after its unmap
  (the kernel's unmapped length taken off), maps = its op=map lines with
  ret=0, unmaps = its op=unmap lines, devices = its op=mock_domain lines,
  no error; after B's exit (its IOAS destroyed) it is gone;
- map_bench C, 4 threads in one IOAS: the last frame has contention on a
  lock of C's IOAS (owner "ioas", owner_id C's ioas=, owner_pid C's pid),
  the IOAS's locks being learnt from the IOAS pointer the probe events pass.
"""
import json
import re
import sys

UNKNOWN = ("accesses", "hwpts", "hwpts_nested", "pinned_pages", "coherency",
           "pins", "pins_per_s", "faults", "fault_devices")
IOAS_LOCKS = {"iopt.iova_rwsem", "iopt.domains_rwsem", "ioas->mutex"}


def kv(s):
    return dict(re.findall(r'(\w+)=(\S+)', s))


def main():
    out, why = sys.argv[1], sys.argv[2]
    lines = {"A": [], "B": [], "C": []}
    pids, marks, frames, err = {}, {}, [], []
    for line in open(out):
        line = line.rstrip("\n")
        tag, _, rest = line.partition(" ")
        if tag in lines:
            lines[tag].append(rest)
        elif tag == "pid":
            w, p = rest.split()
            pids[w] = int(p)
        elif tag == "mark":
            m, n = rest.split()
            marks[m] = int(n)
        elif tag == "top" and rest.startswith("{"):
            frames.append(json.loads(rest))
        elif tag == "err":
            err.append(rest)
    fails = 0

    def ok(cond, what):
        nonlocal fails
        print(("ok   " if cond else "FAIL ") + what)
        fails += not cond
        return cond

    start = [e for e in err if e.startswith("iommutop: source: probe (")]
    ok(len(start) == 1 and why in start[0],
       f"start-up line says probe, because '{why}': {start[0] if start else err}")
    if not ok(frames and "held" in marks and "gone" in marks and "a_stop" in marks,
              f"{len(frames)} frames, marks {marks}"):
        return 1
    ok(all(f.get("source") == "probe" for f in frames),
       f"every one of the {len(frames)} frames has \"source\": \"probe\"")
    unknown_ok = all(r.get(k, 0) is None for f in frames for r in f["ioas"] for k in UNKNOWN)
    ok(unknown_ok, f"every IOAS row has null for {', '.join(UNKNOWN)}")

    def holds(w):
        return [kv(l) for l in lines[w] if l.startswith("hold ")]

    def ops(w, op, ioas):
        return [kv(l) for l in lines[w]
                if l.startswith(f"op={op} ") and kv(l)["ioas"] == str(ioas)]

    def row(f, pid, ioas):
        r = [r for r in f["ioas"] if r["pid"] == pid and r["ioas_id"] == ioas]
        return r[0] if len(r) == 1 else None

    # A: from the snapshot, in every frame written before A was stopped
    with_a = frames[:marks["a_stop"]]
    ha = holds("A")
    ok(len(ha) == 2, f"map_hold A holds {len(ha)} IOASes (want 2)")
    for h in ha:
        ioas, pid = int(h["ioas"]), int(h["pid"])
        devs = sum(1 for o in ops("A", "mock_domain", ioas) if o["ret"] == "0")
        want = dict(preexisting=True, mapped_bytes=int(h["mapped"]), devices=devs,
                    maps=0, unmaps=0)
        bad = [(f["frame"], row(f, pid, ioas)) for f in with_a
               if not row(f, pid, ioas) or
               any(row(f, pid, ioas)[k] != v for k, v in want.items())]
        ok(with_a and not bad,
           f"A's IOAS {ioas} (pid {pid}) in all {len(with_a)} frames before A was stopped: {want}"
           + (f"; frame {bad[0][0]}: {bad[0][1]}" if bad else ""))

    # B: from the probe events
    hb = holds("B")
    if ok(len(hb) == 1, f"map_hold B holds {len(hb)} IOAS (want 1)"):
        h = hb[0]
        ioas, pid = int(h["ioas"]), int(h["pid"])
        maps = sum(1 for o in ops("B", "map", ioas) if o["ret"] == "0")
        unmaps = ops("B", "unmap", ioas)
        devs = sum(1 for o in ops("B", "mock_domain", ioas) if o["ret"] == "0")
        ok(pid == pids.get("B"), f"B's pid {pid} is the one the guest started")
        want = dict(preexisting=False, comm="map_hold", mapped_bytes=int(h["mapped"]),
                    devices=devs, maps=maps, unmaps=len(unmaps), copies=0, errors=0)
        ok(int(h["mapped"]) == (1024 + 2048) * 1024 and
           [int(u["unmapped"]) for u in unmaps] == [64 * 1024],
           f"B's record: mapped {h['mapped']} after unmapping {[u['unmapped'] for u in unmaps]}")
        last = frames[marks["held"] - 1]
        got = row(last, pid, ioas)
        ok(got and all(got[k] == v for k, v in want.items()),
           f"frame {last['frame']} (B held for 2 s): B's IOAS {ioas} {want}; got "
           + (str({k: got[k] for k in want}) if got else "no row"))
        after = frames[marks["gone"] + 1:]
        ok(after and all(row(f, pid, ioas) is None for f in after),
           f"B's IOAS gone from the {len(after)} frames after B exited")
        after_a = frames[marks["gone"] + 1:marks["a_stop"]]
        ok(after_a and all(row(f, int(a["pid"]), int(a["ioas"])) for f in after_a for a in ha),
           "A's IOASes still there after B exited")

    # C: lock contention, owners learnt from the probe events' IOAS
    hc = [kv(l) for l in lines["C"] if l.startswith("ops_per_s=")]
    if ok(len(hc) == 1 and "C" in pids, f"map_bench C's record: {hc}"):
        ioas, pid = int(hc[0]["ioas"]), pids["C"]
        mine = [l for l in frames[-1]["locks"] if l.get("owner") == "ioas" and
                l.get("owner_id") == ioas and l.get("owner_pid") == pid]
        ok(mine and all(l["lock"] in IOAS_LOCKS for l in mine) and
           sum(l["contended"] for l in mine) > 0 and
           all(l["wait_ns"] > 0 for l in mine if l["contended"]),
           f"last frame: contention on C's IOAS {ioas} (pid {pid}) locks: "
           + str([(l["lock"], l["contended"], l["wait_ns"], l["top_waiter"]) for l in mine]))
        ok(any(l["top_waiter"] == "map_bench" for l in mine),
           "C (map_bench) is the top waiter of its IOAS's locks")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
