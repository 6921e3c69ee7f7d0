#!/usr/bin/env python3
"""check_dma_fault.py OUTPUT - check the tools' view of real DMA faults.

OUTPUT is what tests/vm/guest-dma-fault printed (sections "== NAME").  The
ground truth is never a tool: the workload's own record (ids, IOVAs, pid,
CLOCK_MONOTONIC before/after each map and unmap, when each DMA command was
written) and the kernel's DMAR log lines (device, address, direction,
reason).  Checked:
  - the workload's first DMA arrived (no fault) and the kernel logged a
    DMAR line per faulting DMA, at the IOVAs the workload used, for the
    first faults at least: the printk is ratelimited (10 messages per 5 s,
    3 per fault), so the 4th fault has none while the tools report it;
  - ioastrace (every event) and ioastrace -e dmar_fault report each fault
    exactly once, with the DMAR line's device, address, direction, reason
    code and name, the workload's IOAS, HWPT and device id, and a time
    between the DMA command and the workload seeing the DMA done;
  - the fault after the unmap names the workload's unmap (pid, range, time
    inside the workload's bracket) and map; the fault on the IOVA never
    mapped says "never mapped/unmapped while traced"; the history keeps
    exactly the last 64 operations: after 64 operations on the IOAS the
    first map and unmap are still named, after 66 they are "not in the
    last 64 operations";
  - the text output says the same in words;
  - iommutop (if run: JSON and text) counts 4 faults on the IOAS and its
    device (FAULTS column, "faults" and "fault_devices" keys).
Prints "ok"/"FAIL" lines and the fault latency; exit 0, or 1 on a failure.
"""
import json
import re
import sys

fails = 0


def check(cond, what):
    global fails
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails += 1
    return cond


def sections(text):
    out, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"^== (\w+)$", line)
        if m:
            cur = m.group(1)
            out[cur] = []
        elif cur:
            out[cur].append(line)
    return out


def kv(line):
    return dict(re.findall(r"(\w+)=(\S+)", line))


def main():
    sec = sections(open(sys.argv[1]).read())
    for s in ("bind", "workload", "dmar", "all", "faults", "text"):
        if not check(s in sec, f"section '{s}' present"):
            return 1
    bdf = sec["bind"][0].split()[1]
    ops = [kv(l) for l in sec["workload"] if l.startswith("op=")]
    by = lambda op: [o for o in ops if o["op"] == op]
    bind, attach = by("bind")[0], by("attach")[0]
    maps, unmaps = by("map"), by("unmap")
    tmap = [o for o in by("time") if o["of"] == "map"][0]
    tunmap = [o for o in by("time") if o["of"] == "unmap"][0]
    dmas = {int(o["n"]): o for o in by("dma")}
    check(by("check") and by("check")[0]["match"] == "1",
          "workload: the data edu DMA'd through the mapped IOVA arrived")
    faulting = [dmas[n] for n in sorted(dmas) if dmas[n]["expect"] == "fault"]
    check(len(faulting) == 4, "workload: four DMAs expected to fault")

    # The kernel's own record of each fault
    dmar = []
    for l in sec["dmar"]:
        m = re.search(r"\[DMA (Read|Write) (NO_PASID|PASID 0x[0-9a-f]+)\] Request device "
                      r"\[([0-9a-f]{2}):([0-9a-f]{2})\.(\d)\] fault addr 0x([0-9a-f]+) "
                      r"\[fault reason 0x([0-9a-f]{2})\] (.*)$", l)
        if m:
            pasid = None if m.group(2) == "NO_PASID" else int(m.group(2).split()[1], 16)
            dmar.append(dict(access=m.group(1).lower(), bdf="0000:%s:%s.%s" % m.group(3, 4, 5),
                             pasid=pasid,
                             addr=int(m.group(6), 16), reason=int(m.group(7), 16),
                             reason_name=m.group(8).strip()))
    check(len(dmar) >= 2 and [d["addr"] for d in dmar] ==
          [int(d["iova"], 16) for d in faulting][:len(dmar)],
          f"kernel: a DMAR line per faulting DMA, at its IOVA, for the first "
          f"{len(dmar)} of {len(faulting)} (ratelimited printk)")
    check(all(d["bdf"] == bdf for d in dmar), f"kernel: DMAR lines name the edu device {bdf}")
    if len(dmar) < 2 or len(faulting) != 4:
        return 1
    # faults past the printk ratelimit: the workload's IOVA, the first
    # fault's device, direction and reason
    dmar += [dict(dmar[0], addr=int(w["iova"], 16)) for w in faulting[len(dmar):]]

    ioas, hwpt, dev = int(attach["ioas"]), int(attach["hwpt"]), int(bind["dev"])
    pid = int(tmap["pid"])
    expect_hist = [
        # fault after the unmap: the map and the unmap of the workload
        dict(last_map=("found", maps[0], tmap, "map"),
             last_unmap=("found", unmaps[0], tunmap, "unmap")),
        # never mapped IOVA
        dict(last_map=("never_while_traced",), last_unmap=("never_while_traced",)),
        # 64 operations on the IOAS: the first map and unmap are kept
        dict(last_map=("found", maps[0], tmap, "map"),
             last_unmap=("found", unmaps[0], tunmap, "unmap")),
        # 66: they are not
        dict(last_map=("not_in_last_ops",), last_unmap=("not_in_last_ops",)),
    ]
    nops = len(maps) + len(unmaps)
    check(nops == 66, f"workload: 66 map/unmap operations on the IOAS ({nops})")
    # scalable mode: the domain id the PASID entry got (dmar_pasid_setup)
    setups = [r for r in (json.loads(l) for l in sec["all"] if l.startswith("{"))
              if r["event"] == "dmar_pasid_setup" and r["device"] == bdf]
    for name in ("all", "faults"):
        recs = [json.loads(l) for l in sec[name] if l.startswith("{")]
        faults = [r for r in recs if r["event"] == "dmar_fault"]
        check(len(faults) == 4, f"ioastrace {name}: each fault reported once ({len(faults)}), "
              f"the kernel printed {len(sec['dmar'])}")
        if name == "faults":
            check(len(recs) == len(faults), "ioastrace -e dmar_fault prints faults only")
        for i, (f, d, w) in enumerate(zip(faults, dmar, faulting)):
            tag = f"ioastrace {name} fault {i + 1}"
            check(f["device"] == d["bdf"], f"{tag}: device {f['device']} as the DMAR line")
            check(f["addr"] == d["addr"], f"{tag}: address 0x{f['addr']:x} as the DMAR line")
            check(f["access"] == d["access"], f"{tag}: access {f['access']} as the DMAR line")
            check(f["pasid"] == d["pasid"], f"{tag}: pasid {f['pasid']} as the DMAR line")
            if setups:
                check(f["did"] == setups[0]["did"],
                      f"{tag}: domain id {f['did']} as the PASID entry's (dmar_pasid_setup)")
            else:
                check(isinstance(f["did"], int) and f["did"] > 0,
                      f"{tag}: a domain id ({f['did']}; legacy mode: from the context entry)")
            check(f["reason"] == d["reason"] and f["reason_name"] == d["reason_name"],
                  f"{tag}: reason 0x{f['reason']:02x} '{f['reason_name']}' as the DMAR line")
            check((f["ioas_id"], f["hwpt_id"], f["dev_id"]) == (ioas, hwpt, dev),
                  f"{tag}: IOAS {f['ioas_id']} HWPT {f['hwpt_id']} dev {f['dev_id']} "
                  f"as the workload's attach")
            cmd, done = int(w["cmd_ns"]), int(w["done_ns"])
            lat = f["ts_ns"] - cmd
            check(cmd < f["ts_ns"] <= done + 50_000_000,
                  f"{tag}: raised {lat / 1e6:.1f} ms after the DMA command "
                  f"(DMA seen done after {(done - cmd) / 1e6:.1f} ms)")
            if name == "all":
                print(f"latency fault {i + 1}: DMA command -> event {lat / 1e6:.3f} ms")
            h = f["history"]
            want_ops = [2, 2, 64, 66][i]
            check(h["ops_recorded"] == want_ops and h["kept"] == 64,
                  f"{tag}: {h['ops_recorded']} operations recorded on the IOAS, want {want_ops}")
            for key in ("last_map", "last_unmap"):
                exp, got = expect_hist[i][key], h[key]
                if exp[0] != "found":
                    check(got == {"state": exp[0]}, f"{tag}: {key} {got}, want state {exp[0]}")
                    continue
                _, op, t, kind = exp
                ok = (got.get("state") == "found" and got.get("op") == kind and
                      got.get("pid") == pid and got.get("iova") == int(op["iova"], 16) and
                      got.get("length") == int(op["length"]) and
                      int(t["before_ns"]) <= got.get("ts_ns", 0) <= int(t["after_ns"]) and
                      got.get("age_ns") == f["ts_ns"] - got.get("ts_ns", 0))
                check(ok, f"{tag}: {key} is the workload's {kind} "
                          f"(pid {pid}, 0x{int(op['iova'], 16):x}+{op['length']}, "
                          f"in [{t['before_ns']}, {t['after_ns']}]): {got}")

    text = [l for l in sec["text"] if " dmar_fault " in l]
    check(len(text) == 4, f"ioastrace text: four fault lines ({len(text)})")
    if len(text) == 4:
        check(re.search(rf'device={re.escape(bdf)} dev={dev} ioas={ioas} hwpt={hwpt} addr=0x100000 read '
                        rf'reason=0x06 .*last_map="0x100000\+0x2000 map by {pid}/\S+ [0-9.]+ s before" '
                        rf'last_unmap="0x100000\+0x2000 unmap by {pid}/\S+ [0-9.]+ s before"$',
                        text[0]) is not None, "ioastrace text: fault 1 names the map and the unmap")
        check(text[1].endswith('last_map="never mapped while traced" '
                               'last_unmap="never unmapped while traced"'),
              "ioastrace text: fault 2 'never mapped while traced'")
        check(text[3].endswith(f'last_map="not in the last 64 operations on IOAS {ioas}" '
                               f'last_unmap="not in the last 64 operations on IOAS {ioas}"'),
              "ioastrace text: fault 4 'not in the last 64 operations'")

    if "iommutop" in sec:
        # the last frame that still has the workload's IOAS (it is
        # destroyed when the workload closes its iommufd)
        rows = [x for l in sec["iommutop"] if l.startswith("{")
                for x in json.loads(l).get("ioas", []) if x.get("ioas_id") == ioas]
        check(bool(rows), f"iommutop: a JSON frame with IOAS {ioas}")
        if rows:
            r = rows[-1]
            check(r.get("faults") == 4, f"iommutop: IOAS {ioas} faults {r.get('faults')}, want 4")
            check(r.get("fault_devices") == [{"device": bdf, "faults": 4}],
                  f"iommutop: faults per device {r.get('fault_devices')}, want {bdf}: 4")
        text = [l for l in sec.get("iommutop_text", []) if re.match(rf"^ +{ioas} ", l)]
        check(bool(text) and text[-1].split()[15] == "4",
              f"iommutop -b: FAULTS column of IOAS {ioas}: {text[-1] if text else None}")
    print(f"{fails} failed checks")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
