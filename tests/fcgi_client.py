#!/usr/bin/env python3
"""fcgi_client.py - talk FastCGI to one hd-fcgi worker, as lighttpd does,
to test what lighttpd never does: stop sending a body half-way, or
come from an address that is not this machine's.

  fcgi_client.py stall HD_FCGI SOCKET_DIR SENT TOTAL [PATH] -- ARGS...

Starts HD_FCGI ARGS with a listening unix socket (SOCKET_DIR/w-0) as its
standard input, as mod_fastcgi does, sends one POST PATH (/predict)
whose CONTENT_LENGTH is TOTAL but whose body stops after SENT bytes,
and prints the worker's answer as JSON: {"status", "seconds", "body"}.

  fcgi_client.py request HD_FCGI SOCKET_DIR METHOD PATH [NAME=VALUE...] -- ARGS...

The same for one whole request whose body is standard input, with the
FastCGI parameters NAME=VALUE besides the method, path and length (a
REMOTE_ADDR that no test could connect from, say); prints {"status",
"headers", "body"}.

The worker is stopped (by its pid) before exiting.  Everything is
bounded: 30 s at most.
"""
import json
import os
import socket
import struct
import subprocess
import sys
import time

BEGIN, END, PARAMS, STDIN, STDOUT = 1, 3, 4, 5, 6


def record(kind, content, rid=1):
    return struct.pack(">BBHHBx", 1, kind, rid, len(content), 0) + content


def pair(name, value):
    n, v = name.encode(), value.encode()
    return bytes([len(n)]) + bytes([len(v)]) + n + v


def exchange(prog, folder, params, stdin, args):
    """Start PROG ARGS on a listening socket in FOLDER, send one request
    (PARAMS, a list of (name, value), then the STDIN bytes, which may
    stop short of CONTENT_LENGTH), and return (status, headers, body,
    seconds).  The worker is stopped (by its pid) before returning."""
    path = os.path.join(folder, "w-0")
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(path)
    lsock.listen(8)
    worker = subprocess.Popen([prog] + args, stdin=lsock.fileno(),
                              stderr=subprocess.DEVNULL)
    lsock.close()
    try:
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.settimeout(30)
        c.connect(path)
        pairs = b"".join(pair(k, v) for k, v in params)
        c.sendall(record(BEGIN, struct.pack(">HB5x", 1, 0)) +
                  record(PARAMS, pairs) + record(PARAMS, b"") +
                  (record(STDIN, stdin) if stdin else b""))
        t0 = time.monotonic()
        out, data = b"", b""
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            data += chunk
            while len(data) >= 8:
                _, kind, _, clen, plen = struct.unpack(">BBHHB", data[:7])
                if len(data) < 8 + clen + plen:
                    break
                if kind == STDOUT:
                    out += data[8:8 + clen]
                data = data[8 + clen + plen:]
                if kind == END:
                    data = None
                    break
            if data is None:
                break
        seconds = time.monotonic() - t0
        head, _, body = out.partition(b"\r\n\r\n")
        status, headers = 0, {}
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip()] = value.strip()
            if name == "Status":
                status = int(value.split()[0])
        return status, headers, body.decode("utf-8", "replace"), seconds
    finally:
        worker.terminate()
        try:
            worker.wait(5)
        except subprocess.TimeoutExpired:
            worker.kill()


def stall(prog, folder, sent, total, path, args):
    status, _, body, seconds = exchange(prog, folder, [
        ("REQUEST_METHOD", "POST"), ("SCRIPT_NAME", ""),
        ("PATH_INFO", path), ("CONTENT_TYPE", "application/json"),
        ("CONTENT_LENGTH", str(total))], b"{" + b" " * (sent - 1), args)
    print(json.dumps({"status": status, "seconds": round(seconds, 3),
                      "body": body}))
    return 0


def request(prog, folder, method, path, extra, args):
    body = sys.stdin.buffer.read()
    params = [("REQUEST_METHOD", method), ("SCRIPT_NAME", ""),
              ("PATH_INFO", path), ("REQUEST_URI", path),
              ("CONTENT_LENGTH", str(len(body)))]
    params += [tuple(e.split("=", 1)) for e in extra]
    status, headers, text, _ = exchange(prog, folder, params, body, args)
    print(json.dumps({"status": status, "headers": headers, "body": text}))
    return 0


def main(argv):
    if len(argv) >= 7 and argv[1] == "stall" and argv[6] == "--":
        return stall(argv[2], argv[3], int(argv[4]), int(argv[5]),
                     "/predict", argv[7:])
    if len(argv) >= 8 and argv[1] == "stall" and argv[7] == "--":
        return stall(argv[2], argv[3], int(argv[4]), int(argv[5]), argv[6],
                     argv[8:])
    if len(argv) >= 7 and argv[1] == "request" and "--" in argv[6:]:
        cut = argv.index("--", 6)
        return request(argv[2], argv[3], argv[4], argv[5], argv[6:cut],
                       argv[cut + 1:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
