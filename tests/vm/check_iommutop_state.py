#!/usr/bin/env python3
"""check_iommutop_state.py OUTPUT: compare iommutop -j frames with the
states iommufd_steps says it held (see tests/vm/t-iommutop-state)."""
import json
import sys


def main():
    states, top1, top2, top3, top4, pid = [], [], [], [], [], None
    for line in open(sys.argv[1]):
        tag, _, rest = line.partition(" ")
        if tag == "steps" and rest.startswith("state "):
            states.append({k: int(v) for k, v in
                           (kv.split("=") for kv in rest.split()[1:])})
        elif tag == "pid":
            pid = int(rest)
        elif tag in ("top1", "top2", "top3", "top4") and rest.startswith("{"):
            {"top1": top1, "top2": top2, "top3": top3, "top4": top4}[tag].append(json.loads(rest))
    fails = 0
    if len(states) != 14 or not top1:
        print(f"FAIL {len(states)} state lines, {len(top1)} frames")
        return 1
    margin = 100_000_000    # a frame this close to a step change may straddle it
    # top1 started before the workload, top2 while it ran: both must show,
    # in every frame while a state held, exactly what the workload says
    for name, frames_all, late in (("iommutop", top1, False),
                                   ("late iommutop", top2, True)):
        checked = 0
        for st in states:
            frames = [f for f in frames_all
                      if st["t0"] + margin < f["ts_ns"] < st["t1"] - margin]
            if not frames:
                if not late:
                    print(f"FAIL step {st['step']}: no frame while it held")
                    fails += 1
                continue
            checked += 1
            for f in frames:
                rows = [r for r in f["ioas"] if r["ioas_id"] == st["ioas"] and r["pid"] == pid]
                got = rows[0] if rows else None
                want = dict(mapped_bytes=st["mapped"], pinned_pages=st["pinned"],
                            devices=st["devs"], hwpts=st["hwpts"])
                if not got or any(got[k] != v for k, v in want.items()) or \
                        (got["preexisting"] and not late):
                    print(f"FAIL {name} step {st['step']} IOAS {st['ioas']} frame {f['frame']}: "
                          f"want {want}, got {got and {k: got[k] for k in want}}")
                    fails += 1
                    break
            else:
                print(f"ok   {name} step {st['step']} IOAS {st['ioas']}: {len(frames)} frames show "
                      f"mapped={st['mapped']} pinned={st['pinned']} devs={st['devs']} hwpts={st['hwpts']}")
        if late and checked < 4:
            print(f"FAIL late iommutop: only {checked} states fell in its frames")
            fails += 1
    # after the workload: its IOASes are gone
    last = top1[-1]
    if any(r["pid"] == pid for r in last["ioas"]):
        print("FAIL IOASes still shown after they were destroyed")
        fails += 1
    else:
        print("ok   IOASes disappear when destroyed")
    # iommutop started late: IOASes from before its start are marked, with
    # the workload as their holder, not as unknown
    first = top2[0]["ts_ns"] if top2 else 0
    before = {st["ioas"] for st in states if st["t0"] < first}
    seen = {r["ioas_id"]: r for r in (top2[0]["ioas"] if top2 else []) if r["pid"] == pid}
    if not before or any(i not in seen or not seen[i]["preexisting"] for i in before):
        print(f"FAIL late iommutop: IOASes {sorted(before)} from before its start, "
              f"first frame shows {sorted(seen)} for pid {pid}")
        fails += 1
    else:
        print(f"ok   late iommutop: {len(before)} IOASes from before its start, preexisting, held by pid {pid}")
    # -p: the workload's IOASes with its pid, nothing else; -p 1: nothing
    rows3 = [r for f in top3 for r in f["ioas"]]
    ids3 = {r["ioas_id"] for r in rows3}
    if ids3 != {st["ioas"] for st in states} or any(r["pid"] != pid for r in rows3):
        print(f"FAIL -p {pid}: IOASes {ids3}, pids {({r['pid'] for r in rows3})}")
        fails += 1
    else:
        print(f"ok   -p {pid}: its {len(ids3)} IOASes and nothing else")
    rows4 = [r for f in top4 for r in f["ioas"]]
    if rows4 or not top4:
        print(f"FAIL -p 1: {len(rows4)} rows in {len(top4)} frames")
        fails += 1
    else:
        print(f"ok   -p 1: no IOAS in {len(top4)} frames")
    return 1 if fails else 0


sys.exit(main())
