#!/usr/bin/env python3
"""One set of event definitions (bpf/iommutrace.h, listed by
ioastrace --fields) against what documents and consumes them:

 - docs/events.md: every event has a table row, and every field of the
   event is named (in backquotes) in that row; no row names an event the
   definitions do not have;
 - tools/perf/iommufd-state.py: every f["field"] its branch for an event
   reads is a field of that event (of one of them, for a branch shared by
   several events), or a common field perf adds.

Usage: check_event_names.py FIELDS_JSONL EVENTS_MD PERF_SCRIPT"""
import json
import re
import sys

PERF_COMMON = {"common_pid", "common_comm", "ret"}


def main(fields_path, doc_path, perf_path):
    defs = {}
    for line in open(fields_path):
        o = json.loads(line)
        defs[o["event"]] = [f["name"] for f in o["fields"]]
    errors = []

    rows = {}
    for line in open(doc_path):
        m = re.match(r"\|\s*`([a-z_]+)`[^|]*\|", line)
        if m and (m.group(1).startswith(("iommufd_", "dmar_"))):
            rows[m.group(1)] = line
    for ev, fields in defs.items():
        row = rows.get(ev)
        if row is None:
            errors.append("docs/events.md: no row for %s" % ev)
            continue
        named = set(re.findall(r"`([a-z_]+)`", row))
        for f in fields:
            if f not in named:
                errors.append("docs/events.md: %s: field %s not documented"
                              % (ev, f))
    for ev in rows:
        if ev not in defs:
            errors.append("docs/events.md: row %s is not a defined event" % ev)

    # The perf report: one branch per event (or tuple of events)
    src = open(perf_path).read()
    body = src[src.index("def trace_unhandled"):src.index("def trace_end")]
    branches = re.split(r"\n    (?:el)?if name", body)[1:]
    seen = 0
    for b in branches:
        head = b.split(":", 1)[0]
        events = re.findall(r'"([a-z_]+)"', head)
        used = set(re.findall(r'f\["([a-z_]+)"\]', b))
        known = set()
        for ev in events:
            if ev not in defs:
                errors.append("%s: event %s is not defined" % (perf_path, ev))
                continue
            seen += 1
            known |= set(defs[ev])
        for u in sorted(used - PERF_COMMON - known):
            errors.append("%s: %s reads f[%r], not a field of it"
                          % (perf_path, "/".join(events), u))
    if not seen:
        errors.append("%s: no event branch found" % perf_path)
    for e in errors:
        print(e)
    print("%d events defined, %d documented rows, %d perf report branches "
          "checked: %d problems" % (len(defs), len(rows), seen, len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
