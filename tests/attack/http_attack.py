#!/usr/bin/env python3
"""http_attack.py - send the HTTP attack catalogue to a real server.

  http_attack.py [--slow | --all] [--results FILE] [--only ID,...]
                 CASES PORT LIGHTTPD_PID

Reads CASES (tests/attack/http-cases: one case a line, fields separated
by " | ": id, kind, mode, expected status, what it sends, why), sends
each case byte for byte on a raw socket to 127.0.0.1:PORT, reads every
answer and checks it:

  - the status is the expected one (several, comma-separated, for
    pipelined requests: one answer each, in order);
  - the Content-Type is application/json (or the type the case names
    after the status, "200 text/html") and the body parses as JSON,
    unless the answer has no body (HEAD, 1xx); an error's body has
    FastAPI's shape (a 422's and a malformed JSON 400's: a list of
    {type, loc, msg}; the others' {"detail": "..."}), or for the Open
    Inference Protocol's cases (kind oip) {"error": "..."}; a 405 has Allow
    and a 503 Retry-After;
  - the server closes the connection after the last answer, with
    nothing after it (no body after a HEAD's head, no extra answer);
  - then that the service is alive and nothing crashed: GET /health
    answers 200 with JSON, the lighttpd LIGHTTPD_PID still runs, and its
    children (the hd-fcgi workers) are the very same set of pids as
    before the case.

Prints one line per case: id, bytes sent, statuses, verdict ("ok" or
"FAIL: why"), then "N cases, N passed".  With --results FILE it also
writes "id<TAB>kind<TAB>verdict" lines there.  Exit 0 when every case
passed, 1 otherwise, 2 on a usage error or an unreadable table.

Modes "drip:N" (the body's last N bytes sent one a second) and "stall"
(sent, then nothing more while the connection stays open) are slow:
those cases run only with --slow (those alone) or --all.

Python 3 standard library only; 127.0.0.1 only; every read is bounded
in time (a case that is never answered fails, it does not hang).
"""
import codecs
import json
import os
import re
import socket
import sys
import time

HOST = "127.0.0.1"
# Kinds whose 400s are the JSON parser's (json_invalid), not lighttpd's.
JSON_KINDS = ("json", "nonfinite", "utf8")
TIMEOUT = 20.0  # seconds a case may take to be answered in full

# A valid patient, the fields in the order the API lists them.
FIELDS = [("age", "63"), ("sex", "1"), ("cp", "1"), ("trestbps", "145"),
          ("chol", "233"), ("fbs", "1"), ("restecg", "2"), ("thalach", "150"),
          ("exang", "0"), ("oldpeak", "2.3"), ("slope", "3"), ("ca", "0"),
          ("thal", "6")]

CLOSE = b"Host: 127.0.0.1\r\nConnection: close\r\n"
POST = (b"POST /predict HTTP/1.1\r\n" + CLOSE +
        b"Content-Type: application/json\r\nContent-Length: @CL@\r\n\r\n")


# An Open Inference Protocol infer request's head (kind oip).
INFER = (b"POST /v2/models/heart-disease/infer HTTP/1.1\r\n" + CLOSE +
         b"Content-Type: application/json\r\nContent-Length: @CL@\r\n\r\n")


def patient(changes=None):
    """The patient's members as JSON text, some values replaced."""
    changes = changes or {}
    return ",".join('"%s":%s' % (k, changes.get(k, v)) for k, v in FIELDS)


def expand_macro(m):
    """One @...@ macro of the table (see the table's header)."""
    name = m.group(1).decode("latin-1")
    if name == "C":
        return CLOSE
    if name == "POST":
        return POST
    if name == "INFER":
        return INFER
    if name == "OIP":
        return ('{"inputs":[{"name":"patients","shape":[1,13],'
                '"datatype":"FP64","data":[%s]}]}' %
                ",".join(v for _, v in FIELDS)).encode()
    if name == "EX":
        return ("{" + patient() + "}").encode()
    if name == "EX-":
        return patient().encode()
    if name.startswith("EX:"):
        changes = dict(kv.split("=", 1) for kv in name[3:].split(";"))
        unknown = set(changes) - {k for k, _ in FIELDS}
        if unknown:
            raise ValueError("@EX:@ names no field %s" % sorted(unknown))
        return ("{" + patient(changes) + "}").encode()
    mm = re.fullmatch(r"(PAD|A|HDRS|BATCH):(\d+)", name)
    if mm:
        n = int(mm.group(2))
        if mm.group(1) == "BATCH":
            return ("[" + ",".join(["{" + patient() + "}"] * n) +
                    "]").encode()
        if mm.group(1) == "PAD":
            return b" " * n
        if mm.group(1) == "A":
            return b"a" * n
        return b"".join(b"X-Attack-%d: %d\r\n" % (i, i) for i in range(n))
    if name == "CL":
        return m.group(0)  # filled in once the body is known
    raise ValueError("unknown macro @%s@" % name)


def fill_lengths(raw):
    """Each @CL@ becomes the length of the body of its own request: the
    bytes from the end of its header block to the start of the next
    request (pipelining) or the end."""
    out = b""
    while b"@CL@" in raw:
        pre, _, rest = raw.partition(b"@CL@")
        head_rest, sep, after = rest.partition(b"\r\n\r\n")
        nxt = re.search(rb"(?m)^(POST|GET|HEAD|PUT) /", after)
        body = after[:nxt.start()] if nxt else after
        tail = after[len(body):]
        out += pre + str(len(body)).encode() + head_rest + sep + body
        raw = tail
    return out + raw


def build(sends):
    """The bytes a case sends: escapes (\\r \\n \\xNN \\\\), then macros."""
    raw = codecs.escape_decode(sends.encode("utf-8"))[0]
    raw = re.sub(rb"@(C|POST|INFER|OIP|EX-?|EX:[^@\r\n]*|(?:PAD|A|HDRS|BATCH):\d+|CL)@",
                 expand_macro, raw)
    return fill_lengths(raw)


class Case:
    def __init__(self, lineno, fields):
        (self.id, self.kind, self.mode, expect, self.sends,
         self.why) = fields
        self.lineno = lineno
        self.expect = []  # [(status, content-type)]; none: "-"
        for one in ([] if expect == "-" else expect.split(",")):
            parts = one.split()
            self.expect.append((int(parts[0]),
                                parts[1] if len(parts) > 1
                                else "application/json"))
        self.data = build(self.sends)
        if not re.fullmatch(r"send|close|stall|drip:\d+", self.mode):
            raise ValueError("unknown mode %r" % self.mode)
        self.slow = self.mode == "stall" or self.mode.startswith("drip")


def read_cases(path):
    cases, seen = [], set()
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = [x.strip() for x in line.split(" | ")]
            if len(fields) != 6:
                raise ValueError("%s:%d:1: %d fields, not 6" %
                                 (path, n, len(fields)))
            try:
                c = Case(n, fields)
            except ValueError as e:
                raise ValueError("%s:%d:1: %s" % (path, n, e)) from None
            if c.id in seen:
                raise ValueError("%s:%d:1: id %s given twice" %
                                 (path, n, c.id))
            seen.add(c.id)
            cases.append(c)
    return cases


class Reader:
    """Answers read from one socket, with one deadline for all."""

    def __init__(self, sock, deadline):
        self.sock, self.deadline, self.buf, self.eof = sock, deadline, b"", False

    def more(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no full answer within %g s" % TIMEOUT)
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("no full answer within %g s" % TIMEOUT) from None
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.eof = True
        self.buf += chunk
        return bool(chunk)

    def take(self, n):
        while len(self.buf) < n:
            if not self.more():
                raise EOFError("connection closed %d bytes into a body of %d"
                               % (len(self.buf), n))
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def line_block(self):
        while b"\r\n\r\n" not in self.buf:
            if not self.more():
                return None
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        return head

    def chunked(self):
        body = b""
        while True:
            while b"\r\n" not in self.buf:
                if not self.more():
                    raise EOFError("connection closed in a chunked body")
            size, _, self.buf = self.buf.partition(b"\r\n")
            n = int(size.split(b";")[0], 16)
            if n == 0:
                self.line_block() if not self.buf.startswith(b"\r\n") \
                    else self.take(2)
                return body
            body += self.take(n)
            self.take(2)

    def answer(self, head_request):
        """(status, headers, body or None) of the next answer; None at
        EOF before any byte of one."""
        head = self.line_block()
        if head is None:
            if self.buf:
                raise ValueError("not HTTP: %r" % self.buf[:60])
            return None
        lines = head.decode("latin-1").split("\r\n")
        m = re.fullmatch(r"HTTP/1\.[01] (\d{3})(?: .*)?", lines[0])
        if not m:
            raise ValueError("not an HTTP status line: %r" % lines[0][:60])
        status = int(m.group(1))
        fields = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            fields.setdefault(k.strip().lower(), v.strip())
        if status < 200 or status in (204, 304) or head_request:
            return status, fields, None
        if fields.get("transfer-encoding", "").lower() == "chunked":
            return status, fields, self.chunked()
        if "content-length" in fields:
            return status, fields, self.take(int(fields["content-length"]))
        while self.more():
            pass
        body, self.buf = self.buf, b""
        return status, fields, body


def heads_of(data):
    """For each request in data, is it a HEAD?  (Pipelined: several.)"""
    return [m.group(1) == b"HEAD"
            for m in re.finditer(rb"(?m)^([A-Za-z]+) \S+ HTTP/", data)]


def exchange(case):
    """Send the case; the answers [(status, fields, body)], final only."""
    deadline = time.monotonic() + TIMEOUT
    s = socket.create_connection((HOST, PORT), timeout=5)
    answers = []
    try:
        data = case.data
        if case.mode.startswith("drip:"):
            n = int(case.mode[5:])
            s.sendall(data[:-n])
            for i in range(len(data) - n, len(data)):
                time.sleep(1)
                s.sendall(data[i:i + 1])
        else:
            try:
                s.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # answered and closed before the end: read it
        if case.mode == "close":
            s.shutdown(socket.SHUT_WR)
        r = Reader(s, deadline)
        heads = heads_of(data)
        # "-": the connection must close without an answer.
        while len(answers) < max(1, len(case.expect)):
            a = r.answer(heads[len(answers)] if len(answers) < len(heads)
                         else False)
            if a is None:
                break
            if a[0] < 200:  # 100 Continue: the final answer follows
                continue
            answers.append(a)
        # Every case ends its connection (Connection: close, HTTP/1.0
        # or an error): then nothing more may come, no body after a
        # HEAD's head, no answer nobody asked for.
        if answers and len(answers) == len(case.expect):
            while r.more():
                pass
            if r.buf:
                raise ValueError("%d bytes after the last answer: %r" %
                                 (len(r.buf), r.buf[:60]))
    finally:
        s.close()
    return answers


def children(ppid):
    """The pids whose parent is ppid (from /proc)."""
    out = set()
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d, "rb") as f:
                st = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parens.
        rest = st[st.rindex(b")") + 2:].split()
        if int(rest[1]) == ppid:
            out.add(int(d))
    return out


def health():
    """GET /health: its status and body (JSON), or a reason why not."""
    s = socket.create_connection((HOST, PORT), timeout=5)
    try:
        s.sendall(b"GET /health HTTP/1.1\r\n" + CLOSE + b"\r\n")
        a = Reader(s, time.monotonic() + 10).answer(False)
    finally:
        s.close()
    if a is None:
        return None, "no answer"
    try:
        return a[0], json.loads(a[2])
    except ValueError:
        return a[0], "not JSON"


def shape(case, status, doc):
    """"" when an error body has FastAPI's shape, else why not: a 422
    lists its errors ({"detail": [{type, loc: ["body", ...], msg}]}),
    JSON that does not parse is a json_invalid 400, every other error
    {"detail": "..."}."""
    if status < 400:
        return ""
    if case.kind == "oip":
        # The Open Inference Protocol's error object, {"error": "..."}.
        if not (isinstance(doc, dict) and list(doc) == ["error"]
                and isinstance(doc["error"], str)):
            return "%d not in the protocol's shape: %.80s" % (status, doc)
        return ""
    detail = doc.get("detail") if isinstance(doc, dict) else None
    if status == 422 or (status == 400 and case.kind in JSON_KINDS):
        if not isinstance(detail, list) or not detail:
            return "%d without a list of errors: %.80s" % (status, doc)
        for e in detail:
            if not (isinstance(e, dict) and isinstance(e.get("type"), str)
                    and isinstance(e.get("msg"), str)
                    and isinstance(e.get("loc"), list)
                    and e["loc"][:1] == ["body"]):
                return "%d with an error not in FastAPI's shape: %.80s" % (
                    status, e)
        if status == 400 and detail[0]["type"] != "json_invalid":
            return "400 of type %s, not json_invalid" % detail[0]["type"]
    elif not isinstance(detail, (str, list)):
        return "%d without a detail: %.80s" % (status, doc)
    return ""


def check(case, answers):
    """The verdict on a case's answers: "" when right, else why not."""
    got = [a[0] for a in answers]
    want = [e[0] for e in case.expect]
    if got != want:
        return "status %s, expected %s" % (
            ",".join(map(str, got)) or "none", ",".join(map(str, want)))
    for (status, fields, body), (_, ctype) in zip(answers, case.expect):
        have = fields.get("content-type", "")
        if have.split(";")[0].strip().lower() != ctype.lower():
            return "%d with Content-Type %r, expected %s" % (status, have,
                                                            ctype)
        if status == 405 and not fields.get("allow"):
            return "405 without Allow (RFC 9110 15.5.6)"
        if body is None:
            continue
        if ctype == "application/json":
            try:
                doc = json.loads(body.decode("utf-8"))
            except ValueError:
                return "%d with a body that is not JSON: %r" % (status,
                                                              body[:80])
            why = shape(case, status, doc)
            if why:
                return why
        elif not body:
            return "%d with an empty body" % status
        if status == 503 and "retry-after" not in fields:
            return "503 without Retry-After"
    return ""


def alive(before):
    """"" when the server is as it was before the case, else why not."""
    try:
        os.kill(LPID, 0)
    except OSError:
        return "lighttpd %d is gone" % LPID
    code, body = health()
    if code != 200 or not isinstance(body, dict) or body.get("status") != "ok":
        return "then GET /health answered %s %s" % (code, body)
    now = children(LPID)
    if now != before:
        return "then the workers were %s, before %s (one died)" % (
            sorted(now), sorted(before))
    return ""


def run(case):
    before = children(LPID)
    if not before:
        return [], "lighttpd %d has no workers before the case" % LPID
    try:
        answers = exchange(case)
        why = check(case, answers)
    except (OSError, TimeoutError, EOFError, ValueError) as e:
        answers, why = [], "%s: %s" % (type(e).__name__, e)
    # A crashed worker is respawned at once: give lighttpd a moment to
    # notice, so that the pid set is compared after it did.
    time.sleep(0.02)
    why = why or alive(before)
    return answers, why


def main(argv):
    global PORT, LPID
    args, results, which, only = [], None, "fast", None
    it = iter(argv[1:])
    for a in it:
        if a == "--slow":
            which = "slow"
        elif a == "--all":
            which = "all"
        elif a == "--results":
            results = next(it, None)
        elif a == "--only":
            only = set(next(it, "").split(","))
        else:
            args.append(a)
    if len(args) != 3 or (results is None and "--results" in argv):
        sys.stderr.write(__doc__)
        return 2
    try:
        cases = read_cases(args[0])
        PORT, LPID = int(args[1]), int(args[2])
    except (OSError, ValueError) as e:
        sys.stderr.write("http_attack.py: %s\n" % e)
        return 2
    if only:
        cases = [c for c in cases if c.id in only]
    elif which != "all":
        cases = [c for c in cases if c.slow == (which == "slow")]
    out = open(results, "w", encoding="utf-8") if results else None
    passed = 0
    for c in cases:
        answers, why = run(c)
        verdict = "FAIL: " + why if why else "ok"
        passed += not why
        got = ",".join(str(a[0]) for a in answers) or "-"
        print("%-28s %9d bytes  %-11s %s" % (c.id, len(c.data), got, verdict),
              flush=True)
        if out:
            out.write("%s\t%s\t%s\n" % (c.id, c.kind, verdict))
    if out:
        out.close()
    print("%d cases, %d passed" % (len(cases), passed))
    return 0 if passed == len(cases) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
