#!/usr/bin/env python3
"""check_vtd_events.py [--scalable] GUEST_OUT QEMU_LOG: check the VT-d
events of tests/vm/guest-vtd-paths against what the hardware (QEMU's own
trace of the emulated VT-d) and user space (the workload, sysfs) saw.

GUEST_OUT: the guest's output (bdf=, op= and sysfs_type= lines, then the
ftrace buffer after "--- trace"; the intel_iommu events were on from boot).
QEMU_LOG: QEMU's -D log with the vtd_inv_desc* trace events.

Checks (each printed with ok/FAIL):
- dmar_qi_wait: one event per wait descriptor QEMU processed; the sum of
  the counts is the number of other descriptors QEMU processed, type by
  type; each event's count and types equal the qi_submit events of the
  same CPU since its previous dmar_qi_wait; wait_ns is above 0 and below
  the time since that CPU's previous dmar_qi_wait.
- dmar_domain_detach of a domain with an entry present: the domain ids,
  in order, are the ones the IOMMU was told to invalidate (QEMU's
  domain-selective IOTLB, or in scalable mode PASID-based, invalidations),
  FLPT_DEFAULT_DID (1) for identity; each detach names the type and did
  of the device's previous attach (pairs).
- the edu device's attaches follow the workload's operations and sysfs.
- scalable mode: each dmar_pasid_setup of the RID has the did and type of
  the attach that follows, each dmar_pasid_teardown the did and type of
  the detach before it.
- ioastrace (after "--- ioastrace"), which reads the typed arguments and
  computes type and did itself, printed the events of the workload and
  the sysfs steps with the fields of the kernel's record."""
import collections
import re
import sys

EV = re.compile(r'^\s*(\S+)-(\d+)\s+\[(\d+)\]\s+\S+\s+([\d.]+): (\w+): (.*)$')
QEMU = re.compile(r'^(?:\d+@[\d.]+:)?(vtd_\w+) (.*)$')
KV = re.compile(r'(\w+) (\S+)')
# dmar_pasid_* PASID_ENTRY_PGTT_* names -> dmar_domain_* types
PGTT_TYPE = {"first_level": "first_level", "second_level": "second_level",
             "pass_through": "identity", "nested": "nested"}
QI_NAMES = {1: "context", 2: "iotlb", 3: "devtlb", 4: "iec", 6: "piotlb",
            7: "pc", 8: "pdevtlb"}

fails = 0


def check(desc, ok, detail=""):
    global fails
    print(("ok   " if ok else "FAIL ") + desc + ("" if ok else ": " + detail))
    if not ok:
        fails += 1


def fields(rest):
    """'dmar0/0000:00:06.0 pasid 0 type blocked did 0' -> dict"""
    head, _, tail = rest.partition(" ")
    d = dict(KV.findall(tail))
    if "/" in head:
        d["iommu"], d["dev"] = head.split("/", 1)
    else:
        d["iommu"] = head
    return d


def main():
    args = sys.argv[1:]
    scalable = args[0] == "--scalable"
    if scalable:
        args = args[1:]
    guest, qlog = args
    lines = open(guest).read().split("\n--- trace\n", 1)
    if len(lines) != 2:
        print("FAIL no trace in the guest output")
        return 1
    head, trace = lines
    trace, _, tool = trace.partition("\n--- ioastrace\n")
    bdf = re.search(r'^bdf=(\S+)', head, re.M).group(1)
    ops = [l.split()[0][3:] for l in head.splitlines() if l.startswith("op=")]
    sysfs = re.findall(r'^sysfs_type=(\S+)', head, re.M)
    events = []
    for l in trace.splitlines():
        m = EV.match(l)
        if m:
            comm, pid, cpu, ts, name, rest = m.groups()
            events.append((int(cpu), float(ts), name, rest))
    by = collections.Counter(e[2] for e in events)
    print("events: " + " ".join("%s=%d" % kv for kv in sorted(by.items())))

    # --- QEMU: descriptors processed
    qdesc = collections.Counter()
    qdids = []		# dids the IOMMU was told to invalidate, in order
    for l in open(qlog):
        m = QEMU.match(l.strip())
        if not m:
            continue
        name, rest = m.groups()
        if name == "vtd_inv_desc":
            t = re.search(r'type (\w+)', rest).group(1)
            qdesc[t] += 1
        elif name == "vtd_inv_desc_iotlb_domain":
            qdids.append(int(rest.split()[-1], 16))
        elif name == "vtd_inv_desc_iotlb_pasid":
            qdids.append(int(re.search(r'domain 0x([0-9a-f]+)', rest).group(1), 16))
    print("qemu descriptors: " + " ".join("%s=%d" % kv for kv in sorted(qdesc.items())))

    # --- dmar_qi_wait against QEMU and qi_submit
    waits = [e for e in events if e[2] == "dmar_qi_wait"]
    wf = [fields(e[3]) for e in waits]
    check("dmar_qi_wait: one event per wait descriptor QEMU processed (%d)" % qdesc["wait"],
          len(waits) == qdesc["wait"] and len(waits) > 0,
          "%d events, QEMU %d wait descriptors" % (len(waits), qdesc["wait"]))
    check("dmar_qi_wait: all returned 0 (no ITE/IQE in QEMU)",
          all(f["ret"] == "0" for f in wf), str([f["ret"] for f in wf if f["ret"] != "0"]))
    nonwait = sum(v for k, v in qdesc.items() if k != "wait")
    ktypes = collections.Counter()
    pending = collections.defaultdict(list)	# cpu -> qw0 types since last wait
    last = {}
    bad_count = bad_types = bad_wait = timed = 0
    started = False	# clocks have ns resolution (early boot: jiffies)
    for cpu, ts, name, rest in events:
        if name == "tracing_mark_write" and "workload_start" in rest:
            started = True
        if name == "qi_submit":
            qw0 = int(rest.split(": ", 1)[1].split()[0], 16)
            pending[cpu].append(qw0 & 0xf)
        elif name == "dmar_qi_wait":
            f = fields(rest)
            sub = pending.pop(cpu, [])
            mask = 0
            for t in sub:
                mask |= 1 << t
                ktypes[QI_NAMES.get(t, str(t))] += 1
            if int(f["count"]) != len(sub):
                bad_count += 1
            if int(f["types"], 16) != mask:
                bad_types += 1
            w = int(f["wait_ns"])
            if started:
                timed += 1
                if w <= 0 or (cpu in last and w >= (ts - last[cpu]) * 1e9):
                    bad_wait += 1
            last[cpu] = ts
    check("dmar_qi_wait: count = qi_submit events of its call (%d events)" % len(waits),
          bad_count == 0, "%d differ" % bad_count)
    check("dmar_qi_wait: types = the qi_submit descriptor types", bad_types == 0,
          "%d differ" % bad_types)
    check("dmar_qi_wait: 0 < wait_ns < time since the CPU's previous wait (%d while the workload ran)" % timed,
          bad_wait == 0 and timed > 0, "%d out of bounds" % bad_wait)
    # QEMU 7.2 processes PASID cache and PASID-based IOTLB descriptors
    # without tracing them: those are counted from qi_submit
    untraced = {"pc", "piotlb"}
    total = sum(int(f["count"]) for f in wf)
    quiet = sum(v for k, v in ktypes.items() if k in untraced)
    check("dmar_qi_wait: the counts add up to the %d other descriptors QEMU processed (+%d PASID-based it does not trace)"
          % (nonwait, quiet), total - quiet == nonwait and total > 0,
          "sum of counts %d" % total)
    if not scalable:
        check("legacy mode: no PASID-based descriptors", quiet == 0, str(ktypes))
    ktypes = collections.Counter({k: v for k, v in ktypes.items() if k not in untraced})
    qtypes = collections.Counter({k: v for k, v in qdesc.items() if k != "wait"})
    # QEMU 7.2 names the PASID-based ones by their own events
    check("descriptor types submitted = processed by QEMU (%s)" %
          " ".join("%s=%d" % kv for kv in sorted(qtypes.items())),
          ktypes == qtypes, "kernel %s, QEMU %s" % (dict(ktypes), dict(qtypes)))

    # --- attach/detach pairs and the hardware's dids
    att = [(e[2], fields(e[3])) for e in events
           if e[2] in ("dmar_domain_attach", "dmar_domain_detach")]
    cur = {}
    unpaired = []
    kdids = []
    quiet_dids = []	# scalable: flushed with PASID-based descriptors
    for name, f in att:
        key = (f["dev"], f["pasid"])
        if name == "dmar_domain_detach":
            prev = cur.get(key, ("blocked", "0"))
            if (f["type"], f["did"]) != prev:
                unpaired.append("%s %s: detach %s did %s after attach %s did %s" %
                                (key + (f["type"], f["did"]) + prev))
            if scalable and f["type"] in ("identity", "first_level", "sva"):
                quiet_dids.append((f["dev"], int(f["did"])))
            elif f["type"] != "blocked":
                kdids.append(int(f["did"]))
        else:
            cur[key] = (f["type"], f["did"]) if f["ret"] == "0" else ("blocked", "0")
    check("every dmar_domain_detach names the type and did of the previous attach (%d)" % len(att),
          not unpaired and len(att) > 0, "; ".join(unpaired[:3]))
    check("no identity or paging attach with did 0",
          all(f["did"] != "0" for n, f in att if f["type"] != "blocked" and
              f.get("ret", "0") == "0"), "")
    check("detach dids = dids QEMU was told to invalidate, in order (%s)" %
          ",".join(map(str, kdids)), kdids == qdids and kdids,
          "kernel %s, QEMU %s" % (kdids, qdids))
    if scalable:
        # the PASID-based IOTLB descriptor after each such detach: did in
        # qw0 bits 31:16 (QI_EIOTLB_DID), as the kernel queued it
        sent = []
        after = False
        for cpu, ts, name, rest in events:
            if name == "dmar_domain_detach":
                f = fields(rest)
                after = f["type"] in ("identity", "first_level", "sva")
            elif name == "qi_submit" and after:
                qw0 = int(rest.split(": ", 1)[1].split()[0], 16)
                if qw0 & 0xf == 6:
                    sent.append(qw0 >> 16 & 0xffff)
                    after = False
        check("scalable: identity/first-level detach dids = did of the PASID-based IOTLB invalidation sent (%s)"
              % quiet_dids, [d for _, d in quiet_dids] == sent and quiet_dids,
              "queued %s" % sent)

    # --- the edu device: workload and sysfs
    edu = [(n.split("_")[-1], f["type"]) for n, f in att if f["dev"] == bdf and f["pasid"] == "0"]
    seq = [x for x in edu]
    # after boot's default domain: bind (blocked), then per workload op
    want = [("detach", "second_level"), ("attach", "blocked")]	# vfio bind
    for op in ops:
        if op in ("attach", "replace"):
            want += [("detach", want[-1][1]), ("attach", "second_level")]
        elif op == "detach":
            want += [("detach", "second_level"), ("attach", "blocked")]
    want += [("detach", "blocked"), ("attach", "second_level")]	# unbind
    want += [("detach", "second_level"), ("attach", "identity"),	# sysfs
             ("detach", "identity"), ("attach", "second_level")]
    tail = seq[-len(want):]
    check("edu attaches follow the workload (%s) and sysfs (%s)" %
          (",".join(ops), ",".join(sysfs)),
          tail == want and sysfs == ["identity", "DMA"],
          "got %s, want %s" % (tail, want))
    ident = [f for n, f in att if f["dev"] == bdf and f["type"] == "identity"]
    check("identity names FLPT_DEFAULT_DID (1), not 0",
          len(ident) == 2 and all(f["did"] == "1" for f in ident), str(ident))

    # --- coherency: iommufd asks a fresh domain
    cc = [fields(e[3]) for e in events if e[2] == "dmar_enforce_cc"]
    hwpts = [l for l in head.splitlines() if l.startswith(("op=attach", "op=replace"))]
    check("dmar_enforce_cc: one per automatic HWPT (%d), on a domain attached to no IOMMU yet" % len(hwpts),
          len(cc) == len(hwpts) and all(f["iommu"] == "none" and f["iommus"] == "0"
                                        and f["reason"] == "enforced" for f in cc),
          str(cc))

    # --- PASID entries (scalable mode)
    if scalable:
        bad = []
        n = 0
        for i, e in enumerate(events):
            if e[2] == "dmar_pasid_setup":
                f = fields(e[3])
                nxt = next((fields(x[3]) for x in events[i + 1:]
                            if x[2] == "dmar_domain_attach"), None)
                n += 1
                if f["ret"] != "0" or nxt is None or nxt["did"] != f["did"] or \
                   PGTT_TYPE.get(f["type"]) != nxt["type"]:
                    bad.append("setup %s then attach %s" % (f, nxt))
            elif e[2] == "dmar_pasid_teardown":
                f = fields(e[3])
                prv = next((fields(x[3]) for x in reversed(events[:i])
                            if x[2] == "dmar_domain_detach"), None)
                n += 1
                if f["state"] != "present" or prv is None or prv["did"] != f["did"] or \
                   PGTT_TYPE.get(f["type"]) != prv["type"]:
                    bad.append("teardown %s after detach %s" % (f, prv))
        check("dmar_pasid_setup/teardown name the did and type of their attach/detach (%d)" % n,
              not bad and n > 0, "; ".join(bad[:3]))
    else:
        check("legacy mode: no PASID events",
              by["dmar_pasid_setup"] == 0 and by["dmar_pasid_teardown"] == 0, str(by))
    if tool.strip():
        import json
        recs = [json.loads(l) for l in tool.splitlines() if l.startswith("{")]
        keys = {"dmar_domain_attach": ("device", "iommu", "pasid", "type", "did", "reason", "ret"),
                "dmar_domain_detach": ("device", "iommu", "pasid", "type", "did"),
                "dmar_pasid_setup": ("device", "pasid", "did", "pgtt", "ret"),
                "dmar_pasid_teardown": ("device", "pasid", "did", "pgtt", "state"),
                "dmar_qi_wait": ("iommu", "count", "types", "ret"),
                "dmar_enforce_cc": ("did", "reason")}
        def norm_k(name, f):
            d = dict(f, device=f.get("dev"), ret=int(f.get("ret", 0)))
            if name == "dmar_pasid_setup" or name == "dmar_pasid_teardown":
                d["pgtt"] = f["type"]
            if name == "dmar_qi_wait":
                d["types"] = int(f["types"], 16)
            return tuple(str(d.get(k)) for k in keys[name])
        def norm_t(r):
            d = dict(r)
            return tuple(str(d.get(k)) for k in keys[r["event"]])
        start = next(i for i, e in enumerate(events)
                     if e[2] == "tracing_mark_write" and "workload_start" in e[3])
        kseq = [(e[2], norm_k(e[2], fields(e[3]))) for e in events[start:] if e[2] in keys]
        tseq = [(r["event"], norm_t(r)) for r in recs if r["event"] in keys]
        check("ioastrace: the %d VT-d events of the workload and sysfs steps, fields as the kernel's record"
              % len(kseq), kseq and tseq[-len(kseq):] == kseq,
              "first difference (kernel, ioastrace), from the end: %r" %
              (next(((a, b) for a, b in zip(reversed(kseq), reversed(tseq)) if a != b),
                    ("count", len(tseq), len(kseq))),))
    print("%d failed" % fails)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
