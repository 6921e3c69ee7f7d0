#!/usr/bin/env python3
"""http_hammer.py HOST PORT: bad input for iommutop --listen, each case
checked, and after each a normal scrape must still succeed.  Prints "ok" or
"FAIL" per case; exit 1 on any FAIL.  Every loop is bounded in count and
time; only HOST (loopback) is contacted."""
import socket
import sys
import threading
import time

HOST, PORT = sys.argv[1], int(sys.argv[2])
fails = 0


def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    fails += not ok


def raw(data, timeout=15, read=True):
    """Send DATA on a new connection; the status code (0: closed/none)"""
    s = socket.create_connection((HOST, PORT), timeout=timeout)
    try:
        s.sendall(data)
        if not read:
            return s
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        line = buf.split(b"\r\n", 1)[0].split()
        return int(line[1]) if len(line) > 1 else 0
    except (ConnectionError, socket.timeout):
        return 0
    finally:
        if read:
            s.close()


def get(path="/metrics", method="GET", headers=""):
    """(status, headers, body) of one request, HTTP/1.1, Connection: close"""
    s = socket.create_connection((HOST, PORT), timeout=15)
    s.sendall(("%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s\r\n"
               % (method, path, headers)).encode())
    buf = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    head, _, body = buf.partition(b"\r\n\r\n")
    status = int(head.split()[1]) if head else 0
    return status, head.decode(errors="replace").lower(), body


def scrape_ok():
    status, _, body = get()
    return status == 200 and b"iommutrace_dropped_total" in body


def main():
    status, head, body = get()
    check(status == 200 and "text/plain; version=0.0.4" in head and body.startswith(b"# HELP"),
          f"GET /metrics: {status}, {len(body)} bytes")
    status, head, body = get(method="HEAD")
    check(status == 200 and not body, f"HEAD /metrics: {status}, body {len(body)} bytes")
    for m in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        status, head, _ = get(method=m, headers="Content-Length: 5\r\n" if m in ("POST", "PUT") else "")
        check(status == 405 and "allow: get, head" in head, f"{m} /metrics: {status} with Allow")
    for path, want in (("/", 200), ("/nope", 404), ("/metrics/../etc/passwd", 404),
                       ("/metrics?x=1", 200)):
        status, _, _ = get(path)
        check(status == want, f"GET {path}: {status} (want {want})")
    status = raw(b"GARBAGE\r\n\r\n")
    check(status in (0, 400), f"malformed request line: {status} (400 or closed)")
    check(scrape_ok(), "a scrape after it")
    status = raw(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200000 + b"\r\n\r\n")
    check(status in (0, 413, 431), f"200 KB header: {status} (413/431 or closed)")
    check(scrape_ok(), "a scrape after it")
    status = raw(b"GET /metrics HTTP/9.9\r\n\r\n")
    check(status in (0, 400, 505), f"HTTP/9.9: {status}")

    # slow clients: 16 connections that send a header byte by byte
    slow = [raw(b"GET /metrics HTTP/1.1\r\n", read=False) for _ in range(16)]
    t0 = time.time()
    ok = scrape_ok()
    check(ok and time.time() - t0 < 5,
          f"a scrape while 16 slow clients hold connections: {ok}, {time.time() - t0:.2f} s")
    for s in slow:
        s.close()

    # many idle connections: beyond the limits, then released
    idle = []
    for _ in range(200):
        try:
            idle.append(socket.create_connection((HOST, PORT), timeout=2))
        except OSError:
            break
    print(f"     opened {len(idle)} idle connections", flush=True)
    for s in idle:
        s.close()
    t0 = time.time()
    ok = False
    while not ok and time.time() - t0 < 20:
        try:
            ok = scrape_ok()
        except OSError:
            time.sleep(0.2)
    check(ok, f"a scrape after 200 idle connections closed: {ok} after {time.time() - t0:.2f} s")

    # concurrent scrapes: 8 threads x 10
    results = []

    def worker():
        for _ in range(10):
            try:
                results.append(scrape_ok())
            except OSError:
                results.append(False)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    check(len(results) == 80 and all(results),
          f"80 concurrent scrapes (8 clients): {sum(results)} complete and valid")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
