#!/usr/bin/env python3
"""load.py - steady concurrent POST /predict load, for the worker-kill test.

  load.py PORT SECONDS CONCURRENCY [TIMEOUT]

CONCURRENCY threads each send one valid patient after another (a new
connection each, Connection: close) to 127.0.0.1:PORT for SECONDS, and
wait at most TIMEOUT seconds (10) for each answer.  Prints one JSON
object: "sent", counts by status ("status 200"...), "not_json" (answers
whose Content-Type is not application/json or whose body does not parse),
"retry_after" (503s that carry Retry-After), "no_answer" (connections
closed or timed out without a full answer), "connect_failed", and
"slowest" (seconds).  Python 3 standard library only.
"""
import collections
import json
import os
import socket
import sys
import threading
import time

# The patient and the answer's parsing are burst.py's (tests/).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from burst import HOST, PATIENT, split_answer  # noqa: E402
REQUEST = (b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           b"Content-Type: application/json\r\nConnection: close\r\n"
           b"Content-Length: %d\r\n\r\n" % len(PATIENT)) + PATIENT


def one(port, timeout, tally, lock):
    t0 = time.monotonic()
    try:
        s = socket.create_connection((HOST, port), timeout=timeout)
    except OSError:
        with lock:
            tally["connect_failed"] += 1
        return
    raw = b""
    try:
        s.settimeout(timeout)
        s.sendall(REQUEST)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            raw += chunk
    except OSError:
        raw = None
    finally:
        s.close()
    took = time.monotonic() - t0
    answer = split_answer(raw or b"")
    with lock:
        tally["sent"] += 1
        tally["slowest"] = max(tally["slowest"], round(took, 3))
        if raw is None or answer is None:
            tally["no_answer"] += 1
            return
        status, fields, body = answer
        tally["status " + status] += 1
        if status == "503" and "retry-after" in fields:
            tally["retry_after"] += 1
        try:
            if not fields.get("content-type", "").startswith("application/json"):
                raise ValueError
            if int(fields.get("content-length", -1)) != len(body):
                raise ValueError
            json.loads(body)
        except ValueError:
            tally["not_json"] += 1


def worker(port, end, timeout, tally, lock):
    while time.monotonic() < end:
        one(port, timeout, tally, lock)


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    port, seconds, conc = int(argv[1]), float(argv[2]), int(argv[3])
    timeout = float(argv[4]) if len(argv) > 4 else 10
    tally, lock = collections.Counter(slowest=0), threading.Lock()
    end = time.monotonic() + seconds
    threads = [threading.Thread(target=worker,
                                args=(port, end, timeout, tally, lock))
               for _ in range(conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(dict(tally), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
