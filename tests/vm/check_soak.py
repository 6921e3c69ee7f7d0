#!/usr/bin/env python3
"""Checks of the soak (tests/vm/soak, docs/soak.md) on the guest's output.

  check_soak.py [--svg FILE] [--table FILE] OUTPUT
  check_soak.py --progress STDOUT_FILE PID   print each sample as the guest
                                             writes it, until PID exits

OUTPUT is what tests/vm/guest-soak printed.  The truth is the workload's
(tests/workload/ioas_churn: "wl total", "wl checkpoint", "wl expect",
"wl alive"), the selftest's TAP and the kernel's (bpftrace on
should_fail_ex() and iommufd_fops_ioctl(), dmesg); never the tools.
Prints the samples as a table, a sparkline per series and one line per
check ("ok ..." / "FAIL ..."); exit 1 if a check failed.

--break WHAT makes a check fail on purpose (to see that it can):
  count    expects one more successful map than the workload made
  flat     lowers the flatness slack to -1
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import time

# Flatness: during the churn, the largest value of the last quarter of a
# tool's samples (at least 2) must not exceed the largest of its first
# quarter by more than this.  Map entries: what the workload holds alive
# swings between samples, by up to about 60 entries in lock_owners (3 locks
# per IOAS, up to 10 IOASes, a mutex per mapped chunk's iopt_pages, up to
# 60 in the two shared IOASes between rotations, a lock per device group)
# and pages_owner (those chunks); a map that keeps entries of objects that
# are gone grows with the addresses they had (the kernel reuses freed
# memory, which slows it: the igroup lock leak put 139 then 235 entries in
# lock_owners in 75 s, 749 in 30 minutes) and fails this in
# tests/vm/t-soak-short already (the back-to-idle check, exact, catches
# any entry left).  RSS: 1 MiB.
SLACK_ENTRIES = 64
SLACK_RSS_KB = 1024
# ... over the churn samples taken after the tool's first WARMUP_S seconds
# (from its first sample): iommutop's RSS rises once in its first seconds
# of frames, to a plateau (its buffers' pages touched for the first time,
# malloc's heap grown to the frame's size; 10.6 -> 13.2 MiB, then flat for
# the rest of a 30-minute run), which the first quarter of a one-minute
# churn would otherwise take for growth
WARMUP_S = 20
# Maps that are history kept on purpose, not state of live objects: they
# need not return to their idle size, but must stay flat (as every map) and
# never reach their cap (then something would be dropped).  caller_stats:
# iommutop's contention by call stack of iommufd/VT-d callers, one entry per
# distinct stack (tools/iommutop/locks.bpf.h), bounded by the code paths.
HISTORY = {"caller_stats"}
# The workload must have churned at least this many IOASes for the
# comparison to mean anything
MIN_IOAS = 1000
# Kernel log lines that are a kernel warning
WARN_RE = re.compile(r"WARNING:|BUG:|Oops|Call Trace|UBSAN|KASAN|refcount_t|"
                     r"list_(add|del) corruption|INFO: task .* blocked|"
                     r"lockdep|circular locking|possible recursive locking")
# Events of the workload that the workload does not predict; allowed only
# with ret 0: their numbers are checked otherwise (pins) or not at all
UNPREDICTED_OK = {"iommufd_pages_pin", "iommufd_pages_unpin",
                  "iommufd_group_setup_msi"}
SPARK = "▁▂▃▄▅▆▇█"

results = []


def check(ok, msg):
    results.append(ok)
    print(("ok   " if ok else "FAIL ") + msg)
    return ok


def spark(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return ""
    lo, hi = min(vals), max(vals)
    if hi == lo:
        return SPARK[0] * len(vals)
    return "".join(SPARK[int((v - lo) * (len(SPARK) - 1) / (hi - lo) + 0.5)]
                   for v in vals)


def progress_line(s):
    parts = [f"t={s['t']:6.0f}s"]
    for name, r in sorted(s["tools"].items()):
        ent = sum(r["maps"].values())
        extra = (f" dropped={r['dropped']}" if "dropped" in r
                 else f" lost={r.get('lost')}")
        parts.append(f"{name}: rss={r['rss_kb'] / 1024:.1f}M entries={ent}{extra}")
    return "  ".join(parts)


def progress(path, pid):
    pos, ino = 0, None
    while True:
        alive = os.path.exists(f"/proc/{pid}")
        try:
            with open(path) as f:
                st = os.fstat(f.fileno())
                if st.st_ino != ino or st.st_size < pos:	# a new file
                    pos, ino = 0, st.st_ino
                f.seek(pos)
                while True:
                    line = f.readline()
                    if not line.endswith("\n"):
                        break
                    pos = f.tell()
                    if line.startswith("sample "):
                        print("soak: " + progress_line(json.loads(line[7:])),
                              flush=True)
                    elif line.startswith(("churn-", "late tools", "fail_nth",
                                          "idle-end")):
                        print("soak: " + line.strip(), flush=True)
        except (OSError, ValueError):
            pass
        if not alive:
            return
        time.sleep(2)


def parse(path):
    d = collections.defaultdict(list)
    phase = "pre"
    samples = []
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        tag, _, rest = line.partition(" ")
        if line in ("churn-start", "churn-end", "idle-end"):
            phase = {"churn-start": "churn", "churn-end": "hold",
                     "idle-end": "nth"}[line]
            continue
        if tag == "sample":
            s = json.loads(rest)
            s["phase"] = phase
            samples.append(s)
        else:
            d[tag].append(rest)
    return d, samples


def wl_numbers(d):
    total, ckpt, expect, alive = {}, {}, [], []
    for l in d["wl"]:
        f = l.split()
        if f[0] == "total":
            total[f[1]] = int(f[2])
        elif f[0] == "checkpoint":
            ckpt[f[1]] = int(f[2])
        elif f[0] == "expect":
            expect.append((f[1], int(f[2]), int(f[3])))
        elif f[0] == "alive":
            alive.append({k: int(v) for k, v in
                          (x.split("=") for x in f[1:])})
    return total, ckpt, expect, alive


def check_trace(name, a, expect, total, minus, brk):
    """ioastrace NAME's counts of the workload's records = the workload's"""
    counts = collections.Counter(a["counts"])
    ok = True
    want_keys = set()
    sub = minus or {}
    key_of = {("iommufd_ioas_alloc", 0): "ioas_alloc",
              ("iommufd_ioas_destroy", 0): "ioas_destroy",
              ("iommufd_ioas_map", 0): "map_ok",
              ("iommufd_ioas_map", -17): "map_eexist",
              ("iommufd_ioas_map", -2): "map_enoent",
              ("iommufd_ioas_unmap", 0): "unmap_ok",
              ("iommufd_ioas_unmap", -2): "unmap_enoent",
              ("iommufd_device_bind", 0): "bind",
              ("iommufd_device_attach", 0): "attach",
              ("iommufd_device_replace", 0): "replace",
              ("iommufd_device_detach", 0): "detach",
              ("iommufd_device_unbind", 0): "unbind",
              ("iommufd_hwpt_alloc", 0): "hwpt_alloc",
              ("iommufd_hwpt_destroy", 0): "hwpt_destroy"}
    lines = []
    for ev, ret, n in expect:
        k = key_of[(ev, ret)]
        want = n - sub.get(k, 0) + (brk == "count" and k == "map_ok")
        got = counts.get(f"{ev} {ret}", 0)
        want_keys.add(f"{ev} {ret}")
        lines.append(f"{ev} ret={ret}: {got}/{want}")
        if got != want:
            ok = False
            print(f"     {name}: {ev} ret {ret}: ioastrace {got}, workload {want}")
    for k, n in sorted(counts.items()):
        ev, ret = k.rsplit(" ", 1)
        if k not in want_keys and not (ev in UNPREDICTED_OK and ret == "0"):
            ok = False
            print(f"     {name}: {n} unexpected {ev} ret {ret}")
    nexp = sum(n - sub.get(key_of[(ev, ret)], 0) for ev, ret, n in expect)
    check(ok, f"{name}: ioastrace's counts per event and ret = the workload's "
          f"({nexp} expected records; " + ", ".join(lines) + ")")
    for key, tk in (("map_bytes", "map_bytes"), ("unmap_bytes", "unmap_bytes"),
                    ("pin_pages", "pinned_pages")):
        want = total[tk] - sub.get(tk, 0)
        check(a[key] == want, f"{name}: {key} {a[key]} = workload's {tk} {want}")
    if minus is None:	# everything it pinned was unpinned by the end
        check(a["unpin_pages"] == a["pin_pages"],
              f"{name}: pages unpinned {a['unpin_pages']} = pinned {a['pin_pages']}")
    check(a["pin_fail"] == 0, f"{name}: {a['pin_fail']} pin failures")
    check(a["bad"] == 0, f"{name}: {a['lines']} JSON lines, {a['bad']} invalid")


def summary_of(d, tool):
    for l in d["err" + tool]:
        if l.startswith('{"summary"'):
            return json.loads(l)["summary"]
    return None


def check_hold(name, frame, alive, wlpid):
    rows = [r for r in frame["ioas"] if r.get("pid") == wlpid]
    ok = check(sorted(r["ioas_id"] for r in rows) ==
               sorted(a["ioas"] for a in alive),
               f"{name}: rows of the workload while it holds its IOASes: "
               f"{sorted(r['ioas_id'] for r in rows)}, alive "
               f"{sorted(a['ioas'] for a in alive)}")
    if not ok:
        return
    byid = {r["ioas_id"]: r for r in rows}
    for a in alive:
        r = byid[a["ioas"]]
        got = {k: r.get(k) for k in ("maps", "unmaps", "errors", "mapped_bytes",
                                     "pinned_pages", "devices", "hwpts")}
        want = {k: a[k] for k in got}
        check(got == want, f"{name}: IOAS {a['ioas']}: {got}"
              + ("" if got == want else f" != workload's {want}"))


def flat(samples, brk):
    """Per tool series during the churn, after the tool's warm-up:
    last-quarter max <= first-quarter max + slack; returns the table's
    series"""
    series = collections.defaultdict(list)	# (tool, what) -> [(t, v)]
    for s in samples:
        for tool, r in s["tools"].items():
            series[(tool, "rss_kb")].append((s["t"], r["rss_kb"], s["phase"]))
            for m, n in r["maps"].items():
                series[(tool, m)].append((s["t"], n, s["phase"]))
    for (tool, what), pts in sorted(series.items()):
        t0 = pts[0][0]
        ch = [v for t, v, ph in pts if ph == "churn" and t >= t0 + WARMUP_S]
        if len(ch) < 4:
            check(False, f"{tool} {what}: {len(ch)} samples during the churn "
                  f"after its first {WARMUP_S} s, "
                  "need 4")
            continue
        q = max(2, len(ch) // 4)
        first, last = max(ch[:q]), max(ch[-q:])
        slack = SLACK_RSS_KB if what == "rss_kb" else SLACK_ENTRIES
        if brk == "flat":
            slack = -1
        check(last <= first + slack,
              f"{tool} {what} flat: last-quarter max {last} <= first-quarter "
              f"max {first} + {slack}   {spark([v for _, v, _ in pts])}")
    return series


def back_to_idle(samples):
    """The last sample before iommufd_fail_nth, the workload gone: each map
    holds no more than before the workload (the late tools: than the early
    tool of their kind held then; fewer: e.g. a lock wait in flight then)"""
    pre = [s for s in samples if s["phase"] == "pre"]
    idle = [s for s in samples if s["phase"] == "hold"]
    if not pre or not idle:
        check(False, "samples before the workload and after it: missing")
        return
    base, end = pre[0]["tools"], idle[-1]["tools"]
    for tool, r in sorted(end.items()):
        ref = base.get(tool) or base.get(tool[:-1] + "1")
        for m, n in sorted(r["maps"].items()):
            if m in HISTORY:
                vals = [s["tools"][tool]["maps"].get(m) or 0 for s in samples
                        if tool in s["tools"]]
                cap = r.get("cap", {}).get(m)
                check(cap is not None and max(vals) < cap,
                      f"{tool} {m}: history, at most {max(vals)} entries, "
                      f"below its cap {cap} (not required back to idle: "
                      f"{n} after the workload)")
                continue
            want = ref["maps"].get(m)
            check(n <= want, f"{tool} {m}: {n} entries after the workload, "
                  f"{want} before it")


def table(series, samples):
    """The samples, one row each; maps that stayed empty are left out (and
    named below the table)"""
    cols, empty = [], []
    for (tool, what) in sorted(series):
        if what != "rss_kb" and not any(v for _, v, _ in series[(tool, what)]):
            empty.append(f"{tool} {what}")
        else:
            cols.append((tool, what))
    head = ["t (s)", "phase"] + [f"{t} {'RSS' if w == 'rss_kb' else w}"
                                 for t, w in cols] + \
        ["top1 dropped", "top2 dropped", "at1 lost", "at2 lost"]
    rows = []
    for s in samples:
        row = [f"{s['t']:.0f}", s["phase"]]
        for tool, what in cols:
            r = s["tools"].get(tool)
            if r is None:
                row.append("")
            elif what == "rss_kb":
                row.append(f"{r['rss_kb'] / 1024:.1f}M")
            else:
                row.append(str(r["maps"].get(what, "")))
        for tool, k in (("top1", "dropped"), ("top2", "dropped"),
                        ("at1", "lost"), ("at2", "lost")):
            row.append(str(s["tools"].get(tool, {}).get(k, "")))
        rows.append(row)
    return head, rows, empty


def plot(series, samples, svg):
    dat = svg + ".dat"
    keys = sorted(series)
    ts = sorted({t for pts in series.values() for t, _, _ in pts})
    with open(dat, "w") as f:
        f.write("t " + " ".join(f"{t}.{w}" for t, w in keys) + "\n")
        for t in ts:
            vals = []
            for k in keys:
                v = [x for tt, x, _ in series[k] if tt == t]
                vals.append(str(v[0] / 1024 if k[1] == "rss_kb" else v[0])
                            if v else "NaN")
            f.write(f"{t} " + " ".join(vals) + "\n")
    def cols(pred):
        return " ".join(str(i + 2) for i, k in enumerate(keys) if pred(k))
    at = cols(lambda k: k[0].startswith("at") and k[1] != "rss_kb"
              and any(v for _, v, _ in series[k]))
    top = cols(lambda k: k[0].startswith("top") and k[1] != "rss_kb"
               and any(v for _, v, _ in series[k]))
    rss = cols(lambda k: k[1] == "rss_kb")
    marks = ""
    for ph, label in (("churn", "churn starts"), ("hold", "churn ends")):
        t = next((x["t"] for x in samples if x["phase"] == ph), None)
        if t is not None:
            marks += (f'set arrow from {t}, graph 0 to {t}, graph 1 nohead '
                      f'dt 2 lc rgb "gray40"\nset label "{label}" at {t}, '
                      f'graph 1.03 center font ",9"\n')
    gp = f"""set terminal svg size 1000,1300 dynamic font "sans,11"
set output "{svg}"
set termoption noenhanced
set datafile missing "NaN"
set key autotitle columnhead outside right font ",9"
set multiplot layout 3,1 title "soak: BPF map entries and RSS (1: started before the workload, 2: after)"
set grid
{marks}set ylabel "ioastrace: map entries + 1 (log)"
set logscale y
plot for [i in "{at}"] "{dat}" using 1:(column(int(i)) + 1) title columnhead(int(i)) with lines lw 1.5
set ylabel "iommutop: map entries + 1 (log)"
plot for [i in "{top}"] "{dat}" using 1:(column(int(i)) + 1) title columnhead(int(i)) with lines lw 1.5
unset logscale y
set xlabel "time since the first sample (s)"
set ylabel "RSS (MiB)"
set yrange [0:*]
plot for [i in "{rss}"] "{dat}" using 1:int(i) with lines lw 2
unset multiplot
"""
    r = subprocess.run(["gnuplot"], input=gp, text=True, capture_output=True)
    if r.returncode:
        print("gnuplot: " + r.stderr.strip(), file=sys.stderr)
    os.unlink(dat)
    return r.returncode == 0


IOCTLS = {0x3b80: "IOMMU_DESTROY", 0x3b81: "IOMMU_IOAS_ALLOC",
          0x3b82: "IOMMU_IOAS_ALLOW_IOVAS", 0x3b83: "IOMMU_IOAS_COPY",
          0x3b84: "IOMMU_IOAS_IOVA_RANGES", 0x3b85: "IOMMU_IOAS_MAP",
          0x3b86: "IOMMU_IOAS_UNMAP", 0x3b87: "IOMMU_OPTION",
          0x3b88: "IOMMU_VFIO_IOAS", 0x3b89: "IOMMU_HWPT_ALLOC",
          0x3b8a: "IOMMU_GET_HW_INFO", 0x3b8b: "IOMMU_HWPT_SET_DIRTY_TRACKING",
          0x3b8c: "IOMMU_HWPT_GET_DIRTY_BITMAP", 0x3b8d: "IOMMU_HWPT_INVALIDATE",
          0x3b8e: "IOMMU_FAULT_QUEUE_ALLOC", 0x3ba0: "IOMMU_TEST_CMD"}
# ioctls whose event fires at the end of the ioctl, failures included: a
# failure injected inside their handler must be that event with the ioctl's
# own return value
# (docs/events.md): (event, the ioctl's handler)
IOCTL_EVENT = {"IOMMU_IOAS_MAP": ("iommufd_ioas_map", "iommufd_ioas_map"),
               "IOMMU_IOAS_UNMAP": ("iommufd_ioas_unmap", "iommufd_ioas_unmap"),
               "IOMMU_IOAS_COPY": ("iommufd_ioas_copy", "iommufd_ioas_copy"),
               "IOMMU_HWPT_ALLOC": ("iommufd_hwpt_alloc", "iommufd_hwpt_alloc"),
               "IOMMU_HWPT_INVALIDATE": ("iommufd_hwpt_invalidate",
                                         "iommufd_hwpt_invalidate"),
               "IOMMU_HWPT_SET_DIRTY_TRACKING": (
                   "iommufd_hwpt_set_dirty_tracking",
                   "iommufd_hwpt_set_dirty_tracking"),
               "IOMMU_HWPT_GET_DIRTY_BITMAP": ("iommufd_hwpt_get_dirty_bitmap",
                                               "iommufd_hwpt_get_dirty_bitmap")}


def nth_check(d):
    """iommufd_fail_nth, from the kernel's side (bpftrace): an ioctl of the
    selftest whose task's fail_nth countdown went from N > 0 at its entry to
    0 at its exit had exactly one failure injected inside it; the injection
    point (slab, page allocator, iommufd_should_fail(), the mock domain's
    map_pages where that is inlined; usercopy cannot be probed: "unprobed")
    and its stack come from the kretprobes.  Each such ioctl is:
      pin       injected at the pin (iommufd_should_fail() called from
                pfn_reader_user_pin()): each tool must have an
                iommufd_pages_pin_fail injected=1 of that task in the ioctl
      event     injected inside the handler of an ioctl whose event fires
                at its end, failures included (IOCTL_EVENT), that failed:
                each tool must have that event with the ioctl's return
                value in the ioctl
      outside the traced path
                such an ioctl, injected before its handler (copy-in of the
                arguments in iommufd_fops_ioctl) or in the copy-out of its
                result after its event (which said 0): no error event by
                design (counted per case)
      reported  another ioctl that failed, with a record of ret < 0 of that
                task in the ioctl (informational)
      silent    another ioctl that failed, without such a record (listed by
                ioctl and function: no event exists for that failure)
      absorbed  the ioctl succeeded all the same (the kernel fell back)
    Injections outside ioctls (open, close, mmap, read/write of the fail-nth
    file) are counted from the probes only."""
    injs, ioctls = [], []
    cur = None
    for l in d["nth"]:
        f = l.split()
        if f and f[0] == "inj":
            cur = {"kind": f[1], "tid": int(f[3]), "ts": int(f[4]),
                   "stack": []}
            injs.append(cur)
        elif f and f[0] == "ioctl":
            ioctls.append({"tid": int(f[2]), "t0": int(f[3]), "t1": int(f[4]),
                           "cmd": IOCTLS.get(int(f[5], 16), f[5]),
                           "ret": int(f[6]), "nth0": int(f[7]),
                           "nth1": int(f[8])})
            cur = None
        elif cur is not None and f:
            cur["stack"].append(re.sub(r"\+.*", "", f[0]))
    evs = collections.defaultdict(list)
    for l in d["nthev"]:
        r = json.loads(l)
        evs[(r["tool"], r["tid"])].append(r)
    cls = collections.Counter()
    detail = collections.Counter()
    bad = []
    inside = set()
    for io in ioctls:
        if not (io["nth0"] > 0 and io["nth1"] == 0):
            continue
        cls["injected ioctls"] += 1
        pts = [i for i in injs if i["tid"] == io["tid"]
               and io["t0"] <= i["ts"] <= io["t1"]]
        inside.update(id(i) for i in pts)
        st = pts[0]["stack"] if pts else []
        kind = pts[0]["kind"] if pts else "unprobed"
        fn = "?"
        if "iommufd_fops_ioctl" in st:
            k = st.index("iommufd_fops_ioctl")
            fn = st[k - 1] if k else "?"
            if fn == "iommufd_test" and k >= 2:
                fn += "/" + st[k - 2]
        what = f"{io['cmd']} {fn} ({kind})"

        def has(tool, pred):
            return any(pred(e) for e in evs[(tool, io["tid"])]
                       if io["t0"] <= e["ts_ns"] <= io["t1"])
        # iommufd_should_fail() called by pfn_reader_user_pin() itself (the
        # kretprobe's first frame is the caller); an allocation failing
        # further down (its batch, temp_kmalloc()) is not a pin failure
        if kind == "iommufd" and st[:1] == ["pfn_reader_user_pin"]:
            cls["pin"] += 1
            for tool in ("at1", "at2"):
                if not has(tool, lambda e: e["event"] == "iommufd_pages_pin_fail"
                           and e["injected"] == 1):
                    bad.append(f"{tool}: no injected pin_fail for {what} "
                               f"ret {io['ret']}")
            continue
        if io["ret"] >= 0:
            cls["absorbed"] += 1
            continue
        ev = IOCTL_EVENT.get(io["cmd"])
        if ev and ev[1] in st:
            cls["event"] += 1
            for tool in ("at1", "at2"):
                if not has(tool, lambda e: e["event"] == ev[0]
                           and e["ret"] == io["ret"]):
                    bad.append(f"{tool}: no {ev[0]} ret {io['ret']} for {what}")
            continue
        if ev:
            # not in the handler: the ioctl's copy-in of its arguments
            # (before anything is traced) or the copy-out of its result
            # (after the event, which said 0)
            after = has("at1", lambda e: e["event"] == ev[0] and e["ret"] == 0)
            k = "copy-out after the event" if after else "before the handler"
            cls["outside the traced path"] += 1
            detail[f"outside the traced path: {io['cmd']} ({kind}, {k}) "
                   f"ret {io['ret']}"] += 1
            continue
        if has("at1", lambda e: e["ret"] < 0):
            cls["reported"] += 1
            detail["reported: " + what] += 1
        else:
            cls["silent"] += 1
            detail[f"silent: {what} ret {io['ret']}"] += 1
    outside = collections.Counter()
    for i in injs:
        if id(i) not in inside:
            fn = next((x for x in i["stack"] if x.startswith(
                ("__x64_sys_", "iommufd_fops", "ksys_", "vfs_"))), "?")
            outside[f"{fn} ({i['kind']})"] += 1
    print("     fail_nth: " + ", ".join(f"{k} {v}" for k, v in cls.items()))
    for k, v in sorted(detail.items()):
        print(f"       {v:5d}  {k}")
    for k, v in sorted(outside.items()):
        print(f"       {v:5d}  outside an ioctl: {k}")
    for b in bad[:30]:
        print("       " + b)
    check(cls["injected ioctls"] > 100 and cls["pin"] > 0,
          f"fail_nth: {cls['injected ioctls']} ioctls with an injected "
          f"failure (fail_nth countdown reached 0 inside), {cls['pin']} at "
          "the pin")
    check(not bad, f"fail_nth: every injection at the pin is an injected "
          f"pin_fail and every failure injected in the handler of "
          f"{'/'.join(sorted(IOCTL_EVENT))} its event with the ioctl's errno, "
          f"in both tools ({len(bad)} missing)")
    return cls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--progress", nargs=2)
    ap.add_argument("--svg")
    ap.add_argument("--table")
    ap.add_argument("--break", dest="brk", choices=("count", "flat"))
    ap.add_argument("output", nargs="?")
    a = ap.parse_args()
    if a.progress:
        progress(a.progress[0], int(a.progress[1]))
        return 0
    d, samples = parse(a.output)
    total, ckpt, expect, alive = wl_numbers(d)
    if not total:
        check(False, "the workload printed no totals: " +
              " | ".join(d["wl"][-5:]))
        return 1
    print(f"     workload: " + ", ".join(f"{k} {v}" for k, v in total.items()))
    check(total["ioas_alloc"] >= MIN_IOAS and
          total["ioas_alloc"] == total["ioas_destroy"],
          f"workload: {total['ioas_alloc']} IOASes allocated (>= {MIN_IOAS}), "
          f"{total['ioas_destroy']} destroyed")
    wlpid = int(d["workload"][0].split()[1])

    # the samples
    series = flat(samples, a.brk)
    back_to_idle(samples)
    head, rows, empty = table(series, samples)
    for k, pts in sorted(series.items()):
        vals = [v for _, v, _ in pts]
        print(f"     {k[0]:5s} {k[1]:14s} {min(vals):>8} .. {max(vals):<8} "
              f"{spark(vals)}")
    if a.table:
        with open(a.table, "w") as f:
            f.write("| " + " | ".join(head) + " |\n")
            f.write("|" + "---|" * len(head) + "\n")
            for r in rows:
                f.write("| " + " | ".join(r) + " |\n")
            f.write("\nMaps always empty (not shown): "
                    + (", ".join(empty) or "none") + ".\n")
    if a.svg:
        check(plot(series, samples, a.svg), f"plot written to {a.svg}")

    # dropped, lost
    tm = json.loads(d["topmax"][0]) if d["topmax"] else {}
    for t in ("top1", "top2"):
        m = tm.get(t, {})
        check(m.get("frames", 0) > 0 and m.get("dropped_max") == 0
              and m.get("bad") == 0,
              f"{t}: {m.get('frames')} frames, dropped max {m.get('dropped_max')}, "
              f"{m.get('bad')} invalid")
    # per iommutop, in sample order; None (no frame yet) only before its
    # first frame: a sample taken as it starts (the idle baseline, 2 s
    # before a -d 2 frame) has nothing to read
    for t in ("top1", "top2"):
        seq = [s["tools"][t].get("dropped") for s in samples if t in s["tools"]]
        while seq and seq[0] is None:
            seq.pop(0)
        check(bool(seq) and all(x == 0 for x in seq),
              f"{t} dropped in every sample after its first frame: "
              f"{sorted(set(seq), key=str)} ({len(seq)} samples)")
    for t in ("at1", "at2"):
        s = summary_of(d, t)
        check(s is not None and s["lost"] == 0,
              f"{t}: summary {s and {k: s[k] for k in ('events', 'lost')}}")

    # the numbers
    agg = json.loads(d["agg"][0]) if d["agg"] else {}
    if "at1" in agg:
        check_trace("at1 (from before)", agg["at1"], expect, total, None, a.brk)
    if "at2" in agg:
        check_trace("at2 (started late)", agg["at2"], expect, total, ckpt,
                    a.brk)
    for t in ("hold1", "hold2"):
        try:
            frame = json.loads(d[t][0])
        except (IndexError, ValueError):
            check(False, f"{t}: no valid iommutop frame while the workload "
                  f"held: {d[t][:1]}")
            continue
        check_hold(t.replace("hold", "top") + " (holding)", frame, alive,
                   wlpid)

    # fail_nth
    tap = " ".join(d["tap"])
    check("# Totals: pass:7 fail:0" in tap and "fail_nth exit 0" in
          " ".join("fail_nth " + x for x in d["fail_nth"]),
          f"iommufd_fail_nth with both tools attached: "
          f"{' '.join(x for x in d['tap'] if x.startswith('# Totals'))}")
    warns = [l for l in d["dmesg"] if WARN_RE.search(l)]
    check(not warns, f"kernel log: {len(d['dmesg'])} new lines, "
          f"{len(warns)} warnings" + "".join("\n       " + w for w in warns[:20]))
    nth_check(d)
    print(f"{results.count(True)} checks passed, {results.count(False)} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
