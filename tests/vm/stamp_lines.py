#!/usr/bin/env python3
"""stamp_lines.py FILE: until killed, read the lines appended to FILE every
20 ms and write each to FILE.stamps as "TIME<TAB>LINE", TIME being the
wall-clock time (time.time()) at which it was first seen.  Started with a
tracer and before the action it records, it tells when each record reached
the tracer's output, without the cost of a poll loop in the shell."""
import os
import sys
import time

path = sys.argv[1]
with open(path + ".stamps", "w") as out:
    pos, partial = 0, ""
    while True:
        try:
            with open(path, errors="replace") as f:
                f.seek(pos)
                data = f.read()
                pos = f.tell()
        except FileNotFoundError:
            data = ""
        now = time.time()
        lines = (partial + data).split("\n")
        partial = lines.pop()
        for ln in lines:
            out.write("%.6f\t%s\n" % (now, ln))
        out.flush()
        time.sleep(0.02)
