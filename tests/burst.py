#!/usr/bin/env python3
"""burst.py - hostile HTTP clients for the hardening tests.

  burst.py post PORT N BYTES [TIMEOUT]
      N concurrent POST /predict, each a valid patient padded with
      blanks to BYTES bytes, all sent at once.  Prints one JSON object:
      counts by status, counts by Content-Type, how many answers were
      not JSON, how many had Retry-After, how many connections failed.

  burst.py slow PORT N SECONDS [INTERVAL]
      Slowloris: N connections that send a request line, then one header
      line every INTERVAL seconds, for SECONDS; keeps them open while it
      runs and prints how many the server closed.

Every loop is bounded in count and time; only 127.0.0.1 is used.
"""
import asyncio
import collections
import json
import sys

HOST = "127.0.0.1"
PATIENT = (b'{"age":63,"sex":1,"cp":1,"trestbps":145,"chol":233,"fbs":1,'
           b'"restecg":2,"thalach":150,"exang":0,"oldpeak":2.3,"slope":3,'
           b'"ca":0,"thal":6}')


def split_answer(raw):
    """A raw HTTP answer as (status, header fields by lower-case name,
    body), or None when it has no status line."""
    hdr, _, body = raw.partition(b"\r\n\r\n")
    lines = hdr.decode("latin-1").split("\r\n")
    if not lines or len(lines[0].split()) < 2:
        return None
    fields = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        fields[k.strip().lower()] = v.strip()
    return lines[0].split()[1], fields, body


async def one_post(port, size, timeout, tally):
    body = PATIENT + b" " * max(0, size - len(PATIENT))
    head = (b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(HOST, port),
                                      timeout)
    except (OSError, asyncio.TimeoutError):
        tally["connect_failed"] += 1
        return
    try:
        w.write(head + body)
        await asyncio.wait_for(w.drain(), timeout)
        raw = await asyncio.wait_for(r.read(), timeout)
    except (OSError, asyncio.TimeoutError):
        tally["no_answer"] += 1
        w.close()
        return
    w.close()
    answer = split_answer(raw)
    if answer is None:
        tally["no_answer"] += 1
        return
    status, fields, data = answer
    tally["status " + status] += 1
    tally["type " + fields.get("content-type", "none")] += 1
    if "retry-after" in fields:
        tally["retry_after"] += 1
    try:
        json.loads(data)
    except ValueError:
        tally["not_json"] += 1


async def posts(port, n, size, timeout):
    tally = collections.Counter()
    await asyncio.gather(*(one_post(port, size, timeout, tally)
                           for _ in range(n)))
    return dict(tally)


async def one_slow(port, seconds, interval, tally):
    try:
        r, w = await asyncio.open_connection(HOST, port)
    except OSError:
        tally["connect_failed"] += 1
        return
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    try:
        w.write(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        await w.drain()
        i = 0
        while loop.time() < end:
            await asyncio.sleep(interval)
            w.write(b"X-Slow-%d: 1\r\n" % i)
            await w.drain()
            i += 1
            if r.at_eof():
                raise ConnectionResetError
        tally["still_open"] += 1
    except OSError:
        tally["closed_by_server"] += 1
    w.close()


async def slows(port, n, seconds, interval):
    tally = collections.Counter()
    await asyncio.gather(*(one_slow(port, seconds, interval, tally)
                           for _ in range(n)))
    return dict(tally)


def main(argv):
    if len(argv) >= 5 and argv[1] == "post":
        timeout = float(argv[5]) if len(argv) > 5 else 60
        out = asyncio.run(posts(int(argv[2]), int(argv[3]), int(argv[4]),
                                timeout))
    elif len(argv) >= 5 and argv[1] == "slow":
        interval = float(argv[5]) if len(argv) > 5 else 2
        out = asyncio.run(slows(int(argv[2]), int(argv[3]), float(argv[4]),
                                interval))
    else:
        sys.stderr.write(__doc__)
        return 2
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
