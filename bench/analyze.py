#!/usr/bin/env python3
"""bench/analyze.py RAW OUTDIR [--kernels]: the tables and plot data of
bench/run from its raw file.

RAW holds, per VM boot, a line "boot METHOD LABEL" (METHOD insn or wall;
LABEL: the kernel for --kernels) then the guest's lines (bench/guest-bench:
result, lost, progs) and, for the insn method, the instruction-count
plugin's lines (insn SEQ TOTAL VCPU0 VCPU1 ...), the k-th insn line
belonging to the k-th result line of that boot.

Two instruction counts per run: "whole machine" (insn: every vCPU) and "in
the workload's path" (path: only the vCPUs the workload's threads were
pinned to, the result line's CPUS; the consumer and guest-bench run on
vCPU 0).  The first is the work a consumer adds to the machine (its reader
and formatter included), the second the work it adds to the workload's own
execution (its BPF programs, trampolines, ring writes, wakeups sent).

Statistic: every run of a consumer C has a run of the same configuration
with no tracing just before it (guest-bench's pairs).  The ratio of a pair
is the throughput with C over that without: for the instruction count
(insn), instructions per op without C / with C; for wall clock, ops/s with
C / without.  The tables give the median of the per-pair ratios, a 95 %
bootstrap interval of that median (2000 resamples, fixed seed) and min - max.
"none2" (no tracing again) against none is the A-vs-A check: the method's
own resolution.  For --kernels (one boot per kernel, no tracing only): the
ratio of the patched kernel's median insn/op to the unpatched one's, the
interval by bootstrap over the runs of each kernel.

Writes OUTDIR/tables.md (markdown) and OUTDIR/plot-METHOD.dat (gnuplot
data for bench/plot.gp).
"""
import json
import random
import statistics
import sys
from collections import defaultdict

LABEL = {
    "none": "no tracing", "none2": "no tracing again (A vs A)",
    "ioastrace": "ioastrace -j >/dev/null",
    "ioastrace-probe": "ioastrace --source probe -j >/dev/null",
    "ioastrace-nohist": "ioastrace -j, no fault history",
    "iommutop": "iommutop -j -d 1", "iommutop-alt": "iommutop -j -d 1, other build",
    "iommutop-probe": "iommutop --source probe -j -d 1",
    "ioastrace-alt": "ioastrace -j >/dev/null, other build",
    "ioastrace-probe-alt": "ioastrace --source probe -j >/dev/null, other build",
    "iommutop-probe-alt": "iommutop --source probe -j -d 1, other build",
    "perf": "perf record -e 'iommufd:*' -a",
    "perftrace": "perf trace -e 'iommufd:*' -a",
    "bpftrace": "bpftrace, count every iommufd:* event",
    "perflock": "perf lock contention -ab",
    "floor": "floor: empty tp_btf programs (bench/floor)",
    "floor-count": "floor: tp_btf programs counting per CPU (bench/floor -c)",
}
SHORT = {"none2": "A-vs-A", "perf": "perf-record", "perftrace": "perf-trace",
         "ioastrace-nohist": "ioastrace-nohist", "floor-count": "floor-count",
         "perflock": "perf-lock"}
ORDER = ["none2", "ioastrace", "ioastrace-probe", "ioastrace-alt", "ioastrace-probe-alt",
         "ioastrace-nohist", "iommutop", "iommutop-probe", "iommutop-alt",
         "iommutop-probe-alt", "perf",
         "perftrace", "perflock", "bpftrace", "floor", "floor-count"]


def size_label(size):
    if size == "mix":
        return "mix"
    b = int(size)
    return f"{b >> 20} MiB" if b >= 1 << 20 else f"{b >> 10} KiB"


def cfg_key(cfg):
    size, threads = cfg
    return (1 if size == "mix" else 0, 0 if size == "mix" else int(size), threads)


def bootstrap_median(values, n=2000, seed=1):
    """95 % percentile bootstrap interval of the median of values."""
    if len(values) < 2:
        return (values[0], values[0]) if values else (float("nan"),) * 2
    rnd = random.Random(seed)
    meds = sorted(statistics.median(rnd.choices(values, k=len(values)))
                  for _ in range(n))
    return meds[int(0.025 * n)], meds[int(0.975 * n) - 1]


def bootstrap_ratio(num, den, n=2000, seed=1):
    """95 % interval of median(num) / median(den), resampling each."""
    rnd = random.Random(seed)
    rs = sorted(statistics.median(rnd.choices(num, k=len(num))) /
                statistics.median(rnd.choices(den, k=len(den))) for _ in range(n))
    return rs[int(0.025 * n)], rs[int(0.975 * n) - 1]


def parse(lines):
    """Runs: dicts with method, label, size, threads, consumer, round,
    ops_s, ops, insn (None without the plugin), progs (run_cnt/run_time_ns
    deltas per program name), lost (of its block)."""
    runs, boots = [], []
    cur = None
    for line in lines:
        f = line.split(None, 2) if line.startswith("progs ") else line.split()
        if not f:
            continue
        if f[0] == "boot":
            cur = {"method": f[1], "label": f[2] if len(f) > 2 else "",
                   "runs": [], "insn": [], "lost": {}, "before": {}}
            boots.append(cur)
        elif cur is None:
            continue
        elif f[0] == "result":
            r = {"method": cur["method"], "label": cur["label"], "size": f[1],
                 "threads": int(f[2]), "consumer": f[3], "round": int(f[4]),
                 "ops_s": float(f[5]), "ops": int(f[6]), "insn": None,
                 "path": None, "progs": None,
                 "cpus": ([int(x) for x in f[8].split(",")]
                          if len(f) > 8 and f[8] != "-" else None)}
            if r["consumer"] != "none":
                r["progs"] = cur.pop("pending", None)
            cur["runs"].append(r)
        elif f[0] == "insn":	# insn SEQ TOTAL VCPU0 VCPU1 ... [skipped N]
            vc = f[3:f.index("skipped")] if "skipped" in f else f[3:]
            cur["insn"].append((int(f[2]), [int(x) for x in vc]))
        elif f[0] == "lost":
            cur["lost"][(f[1], int(f[2]))] = f[3]
        elif f[0] == "progs" and len(f) == 3:
            progs = {p["id"]: p for p in json.loads(f[2])}
            if f[1] == "before":
                cur["before"] = progs
            else:	# "after": precedes its run's result line
                cur["pending"] = prog_delta(cur["before"], progs)
    for b in boots:
        if b["insn"] and len(b["insn"]) != len(b["runs"]):
            raise ValueError(f"boot {b['label']}: {len(b['insn'])} insn counts "
                             f"for {len(b['runs'])} runs")
        for r, (n, vc) in zip(b["runs"], b["insn"]):
            r["insn"], r["vcpus"] = n, vc
            if r["cpus"] and max(r["cpus"]) < len(vc):
                r["path"] = sum(vc[i] for i in r["cpus"])
        for r in b["runs"]:
            r["lost"] = b["lost"].get((r["consumer"], r["round"]), "0")
            runs.append(r)
    return runs


def prog_delta(before, after):
    """{name: (run_cnt, run_time_ns)} of the programs that ran between two
    bpftool snapshots, summed over programs of the same name."""
    out = defaultdict(lambda: [0, 0])
    for pid, p in after.items():
        b = before.get(pid, {})
        cnt = p.get("run_cnt", 0) - b.get("run_cnt", 0)
        if cnt > 0:
            name = p.get("name", str(pid))
            out[name][0] += cnt
            out[name][1] += p.get("run_time_ns", 0) - b.get("run_time_ns", 0)
    return {k: tuple(v) for k, v in out.items()}


def per_op(r, key="insn"):
    return r[key] / r["ops"]


def pairs(runs, method):
    """{(size, threads, consumer): [(base run, run)]}, each run of a
    consumer with the no-tracing run of the same config before it.
    method "path": the insn boots' runs that have a workload's-path count."""
    if method == "path":
        return {k: v for k, v in ((k, [(b, r) for b, r in prs
                                       if b["path"] is not None and r["path"] is not None])
                                  for k, prs in pairs(runs, "insn").items()) if v}
    out = defaultdict(list)
    for label in sorted({r["label"] for r in runs}):
        seq = [r for r in runs if r["method"] == method and r["label"] == label
               and r["round"] > 0]
        last = {}
        for r in seq:
            cfg = (r["size"], r["threads"])
            if r["consumer"] == "none":
                last[cfg] = r
            elif cfg in last:
                out[(r["size"], r["threads"], r["consumer"])].append((last[cfg], r))
    return out


def ratio(method, base, run):
    if method in ("insn", "path"):
        return per_op(base, method) / per_op(run, method)
    return run["ops_s"] / base["ops_s"]


def summarize(values):
    lo, hi = bootstrap_median(values)
    return {"median": statistics.median(values), "ci": (lo, hi),
            "min": min(values), "max": max(values), "n": len(values)}


def consumer_table(runs, method):
    rows = []
    ps = pairs(runs, method)
    for cfg in sorted({(k[0], k[1]) for k in ps}, key=cfg_key):
        for c in ORDER:
            prs = ps.get((cfg[0], cfg[1], c))
            if not prs:
                continue
            s = summarize([ratio(method, b, r) for b, r in prs])
            if method in ("insn", "path"):
                s["base"] = statistics.median(per_op(b, method) for b, _ in prs)
                s["value"] = statistics.median(per_op(r, method) for _, r in prs)
                # the background the guest's timing adds only ever adds
                # instructions: the minima are the runs with the least of it
                s["minratio"] = (min(per_op(b, method) for b, _ in prs) /
                                 min(per_op(r, method) for _, r in prs))
            else:
                s["base"] = statistics.median(b["ops_s"] for b, _ in prs)
                s["value"] = statistics.median(r["ops_s"] for _, r in prs)
            s["lost"] = [r["lost"] for _, r in prs]
            rows.append((cfg, c, s))
    return rows


def pct(x):
    return f"{x * 100:.2f} %"


def fmt_consumers(rows, method):
    mr = method in ("insn", "path")
    unit = "insn/op" if mr else "ops/s"
    out = [f"| size | threads | consumer | {unit} | no tracing {unit} | "
           + ("ratio of minima | " if mr else "") + "ratio (median of pairs) "
           "| 95 % interval | min - max | pairs | lost per round |",
           "|---|---|---|---|---|---|---|---|---|---|" + ("---|" if mr else "")]
    for (size, threads), c, s in rows:
        out.append(f"| {size_label(size)} | {threads} | {LABEL.get(c, c)} | "
                   f"{s['value']:.0f} | {s['base']:.0f} | "
                   + (f"{pct(s['minratio'])} | " if mr else "") +
                   f"{pct(s['median'])} | "
                   f"{pct(s['ci'][0])} - {pct(s['ci'][1])} | "
                   f"{pct(s['min'])} - {pct(s['max'])} | {s['n']} | "
                   f"{', '.join(s['lost'])} |")
    return "\n".join(out)


def prog_table(runs):
    """Per consumer and BPF program (4 KiB x 1; all configurations when
    that is absent): runs per map+unmap pair, ns per run, ns per pair
    (medians over the runs; min - max of ns/run); then per configuration
    and consumer the sum over its programs against a map+unmap pair's
    wall-clock time with no tracing (the run just before)."""
    acc = defaultdict(list)
    tot = defaultdict(list)
    ps = pairs(runs, "wall")
    base = {id(r): b for prs in ps.values() for b, r in prs}
    for r in runs:
        if r["method"] != "wall" or not r["progs"] or r["round"] == 0:
            continue
        npairs = r["ops"] / 2
        for name, (cnt, ns) in r["progs"].items():
            acc[(r["size"], r["threads"], r["consumer"], name)].append(
                (cnt / npairs, ns / cnt, ns / npairs))
        b = base.get(id(r))
        if b:
            tot[(r["size"], r["threads"], r["consumer"])].append(
                (sum(c for c, _ in r["progs"].values()) / npairs,
                 sum(n for _, n in r["progs"].values()) / npairs,
                 2e9 / b["ops_s"]))
    detail = [k for k in acc if (k[0], k[1]) == ("4096", 1)] or list(acc)
    out = ["| size | threads | consumer | BPF program | runs per map+unmap pair | "
           "ns per run (median, min - max) | ns per map+unmap pair | runs |",
           "|---|---|---|---|---|---|---|---|"]
    for key in sorted(detail, key=lambda k: (cfg_key((k[0], k[1])),
                                             ORDER.index(k[2]) if k[2] in ORDER else 99, k[3])):
        v = acc[key]
        nsrun = [x[1] for x in v]
        out.append(f"| {size_label(key[0])} | {key[1]} | {LABEL.get(key[2], key[2])} | "
                   f"`{key[3]}` | {statistics.median(x[0] for x in v):.2f} | "
                   f"{statistics.median(nsrun):.0f} ({min(nsrun):.0f} - {max(nsrun):.0f}) | "
                   f"{statistics.median(x[2] for x in v):.0f} | {len(v)} |")
    out += ["", "| size | threads | consumer | BPF program runs per pair | BPF ns per pair "
            "| no tracing: ns per pair (wall clock) | BPF share |", "|---|---|---|---|---|---|---|"]
    for key in sorted(tot, key=lambda k: (cfg_key((k[0], k[1])),
                                          ORDER.index(k[2]) if k[2] in ORDER else 99)):
        v = tot[key]
        runs_pp = statistics.median(x[0] for x in v)
        ns_pp = statistics.median(x[1] for x in v)
        none_pp = statistics.median(x[2] for x in v)
        out.append(f"| {size_label(key[0])} | {key[1]} | {LABEL.get(key[2], key[2])} | "
                   f"{runs_pp:.2f} | {ns_pp:.0f} | {none_pp:.0f} | "
                   f"{ns_pp / none_pp * 100:.1f} % |")
    return "\n".join(out)


def kernel_table(runs):
    by = defaultdict(list)
    v1 = defaultdict(list)	# the workload's vCPUs only
    for r in runs:
        if r["round"] > 0 and r["insn"] is not None:
            by[(r["size"], r["threads"], r["label"])].append(per_op(r))
            if r["path"] is not None:
                v1[(r["size"], r["threads"], r["label"])].append(per_op(r, "path"))
            elif r["threads"] == 1 and len(r.get("vcpus", [])) > 1:	# raw files before CPUS
                v1[(r["size"], r["threads"], r["label"])].append(r["vcpus"][1] / r["ops"])
    out = ["| size | threads | unpatched insn/op (median, min) | patched insn/op (median, min) "
           "| ratio of minima | ratio of medians (unpatched / patched) "
           "| 95 % interval | runs (each) | workload's vCPUs: unpatched, patched insn/op (min) "
           "| workload's vCPUs: ratio of minima | workload's vCPUs: ratio of medians, 95 % interval |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    rows = []
    for size, threads in sorted({(k[0], k[1]) for k in by}, key=cfg_key):
        u, p = by.get((size, threads, "unpatched")), by.get((size, threads, "patched"))
        if not u or not p:
            continue
        r = statistics.median(u) / statistics.median(p)
        lo, hi = bootstrap_ratio(u, p)
        rows.append(((size, threads), r, (lo, hi)))
        out.append(f"| {size_label(size)} | {threads} | {statistics.median(u):.0f}, {min(u):.0f} | "
                   f"{statistics.median(p):.0f}, {min(p):.0f} | {pct(min(u) / min(p))} | "
                   f"{pct(r)} | {pct(lo)} - {pct(hi)} | {len(u)}, {len(p)} | " + path_cells(
                       v1.get((size, threads, "unpatched")), v1.get((size, threads, "patched"))))
    return "\n".join(out), rows


def path_cells(u, p):
    """The kernel table's workload's-vCPUs cells."""
    if not u or not p:
        return "- | - | - |"
    lo, hi = bootstrap_ratio(u, p)
    return (f"{min(u):.0f}, {min(p):.0f} | {pct(min(u) / min(p))} | "
            f"{pct(statistics.median(u) / statistics.median(p))} ({pct(lo)} - {pct(hi)}) |")


def plot_data(rows):
    """gnuplot data: a row per config, per consumer 3 columns (median
    ratio, interval low, high, in %); the header names the consumers."""
    cons = [c for c in ORDER if any(r[1] == c for r in rows)]
    cfgs = sorted({r[0] for r in rows}, key=cfg_key)
    by = {(r[0], r[1]): r[2] for r in rows}
    out = ["config " + " ".join(f'{SHORT.get(c, c)} lo hi' for c in cons)]
    for cfg in cfgs:
        cells = []
        for c in cons:
            s = by.get((cfg, c))
            cells += ([f"{s['median'] * 100:.3f}", f"{s['ci'][0] * 100:.3f}",
                       f"{s['ci'][1] * 100:.3f}"] if s else ["NaN"] * 3)
        out.append(f'"{size_label(cfg[0])} x{cfg[1]}" ' + " ".join(cells))
    return "\n".join(out) + "\n"


def main(argv):
    raw, outdir = argv[1], argv[2]
    kernels = "--kernels" in argv
    runs = parse(open(raw))
    md = []
    if kernels:
        t, rows = kernel_table(runs)
        md += ["### Instruction count, patched (tracepoints off) vs unpatched", "", t, ""]
        for method, what in (("path", "the workload's vCPUs"), ("insn", "all vCPUs")):
            aa = consumer_table(runs, method)
            if aa:
                md += [f"A vs A (no tracing twice in one boot, both kernels; {what}):", "",
                       fmt_consumers(aa, method), ""]
    else:
        for method, title in (("path", "Guest instructions per op in the workload's path "
                                       "(the workload's vCPUs; QEMU plugin)"),
                              ("insn", "Guest instructions per op, whole machine "
                                       "(all vCPUs; QEMU plugin)"),
                              ("wall", "Wall clock, ops/s")):
            rows = consumer_table(runs, method)
            if not rows:
                continue
            md += [f"### {title}", "", fmt_consumers(rows, method), ""]
            open(f"{outdir}/plot-{method}.dat", "w").write(plot_data(rows))
        if any(r["progs"] for r in runs):
            md += ["### BPF programs' own cost (kernel.bpf_stats_enabled, wall-clock boot)",
                   "", prog_table(runs), ""]
    open(f"{outdir}/tables.md", "w").write("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main(sys.argv)
