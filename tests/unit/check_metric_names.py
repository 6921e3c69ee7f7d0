#!/usr/bin/env python3
"""check_metric_names.py SAMPLE DOC RULES DASHBOARD: every metric family the
endpoint emits (SAMPLE: a rendered frame with every kind of row) is in the
table of docs/metrics.md and vice versa, and the alert rules and the Grafana
dashboard name only emitted metrics.  Exit 1 on a mismatch."""
import json
import re
import sys

sample, doc, rules, dash = sys.argv[1:5]
families = set(re.findall(r'^# TYPE (\S+) ', open(sample).read(), re.M))
emitted = set(families)
for f in families:   # histogram samples
    emitted |= {f + "_bucket", f + "_sum", f + "_count"}
documented = set(re.findall(r'^\| `(iommutrace_\w+)` \|', open(doc).read(), re.M))
fails = 0
if documented != families:
    print("FAIL docs/metrics.md vs the endpoint: only documented %s, only emitted %s"
          % (sorted(documented - families), sorted(families - documented)))
    fails += 1
else:
    print("ok   docs/metrics.md lists the %d metric families the endpoint emits" % len(families))
exprs = re.findall(r'expr: *\|?\s*\n?((?:.*\n)*?)(?=\s*(?:for|labels|annotations):)', open(rules).read())
d = json.load(open(dash))
exprs += [t["expr"] for p in d["panels"] for t in p["targets"]]
exprs += [v.get("query", "") for v in d["templating"]["list"]]
used = set(n for e in exprs for n in re.findall(r'\b(iommutrace_\w+)', e))
if used - emitted:
    print("FAIL rules/dashboard name metrics the endpoint does not emit: %s" % sorted(used - emitted))
    fails += 1
else:
    print("ok   rules and dashboard name %d metrics, all emitted" % len(used))
sys.exit(1 if fails else 0)
