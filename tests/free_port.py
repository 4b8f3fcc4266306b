#!/usr/bin/env python3
"""Print a TCP port on 127.0.0.1 that nothing listens on and that no
other test has taken: test_helper.bash's free_port.

Two tests that run at the same time (tests/run runs the passes and the
files concurrently) must not get the same port, and a port must not be
taken between the moment it is chosen and the moment the test's server
binds it.  So the port is chosen at random below the kernel's ephemeral
range (ip_local_port_range: the ports the kernel hands out for bind(0)
and for outgoing connections, such as curl's), and reserved by
creating HD_PORT_DIR/PORT [$TMPDIR/hd-test-ports] exclusively: a port
whose file exists is never chosen again until the file is an hour old,
longer than any test file holds a server.
"""
import errno
import os
import random
import socket
import sys
import time

HOLD = 3600  # seconds a reservation lasts


def ephemeral():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
        return lo, hi
    except (OSError, ValueError):
        return 32768, 60999


def candidates():
    lo, hi = ephemeral()
    # Below the ephemeral range when there is room, else above it.
    if lo - 10000 >= 2000:
        return 10000, lo - 1
    return hi + 1, 65535


def main():
    d = os.environ.get("HD_PORT_DIR") or os.path.join(
        os.environ.get("TMPDIR", "/tmp"), "hd-test-ports")
    os.makedirs(d, exist_ok=True)
    lo, hi = candidates()
    rng = random.SystemRandom()
    now = time.time()
    for _ in range(2000):
        port = rng.randint(lo, hi)
        path = os.path.join(d, str(port))
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            try:
                if now - os.stat(path).st_mtime > HOLD:
                    os.unlink(path)  # expired: free for a later try
            except OSError:
                pass
            continue
        os.write(fd, b"%d\n" % os.getppid())
        os.close(fd)
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
        except OSError as e:
            if e.errno != errno.EADDRINUSE:
                raise
            continue  # in use by something else: keep it reserved
        finally:
            s.close()
        print(port)
        return 0
    print("free_port: no free port in %d-%d" % (lo, hi), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
