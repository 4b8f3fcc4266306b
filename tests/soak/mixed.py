#!/usr/bin/env python3
"""mixed.py - a fixed number of mixed requests to a running hd server,
with hot model reloads among them, every answer checked (tests/soak/
valgrind runs it against workers under valgrind).

  mixed.py PORT N MODEL LR.json RF.json TEST.csv LR.pred RF.pred

PORT      the server on 127.0.0.1
N         requests to send in all (/health polls after a reload included)
MODEL     the model file the server serves (replaced by rename here)
LR.json, RF.json    two model files to put in place in turn
TEST.csv  patients (hd-split's test rows): the request bodies
LR.pred, RF.pred    hd-predict's output for TEST.csv with each model:
          every probability the server answers must be the very same
          double as hd-predict's for the model the answer names

The requests go in four phases over four keep-alive connections at a
time; between phases the model is replaced by rename: RF over LR, then
a broken file (refused, RF keeps serving), then LR again, each waited
for on /health.  Kinds, round robin: a single patient, a batch of 5,
422 (a mistyped field), 400 (malformed JSON), 405 (GET /predict), 404,
/health, /metrics in JSON and in the Prometheus text format, 413
(a Content-Length over lighttpd's limit, which the error group answers),
an Open Inference Protocol infer of 3 patients (one [3, 13] input; the
answer's model_version names the file, its id echoes ours) and an infer
with an unknown input (400 {"error"}).

Prints one JSON object: requests by kind, reloads, the checks that
failed (at most 20 shown, all counted); exit 0 when none failed, 1
otherwise, 2 on usage.
"""
import csv
import hashlib
import http.client
import json
import os
import socket
import sys
import threading
import time

HOST = "127.0.0.1"
FEATURES = ("age sex cp trestbps chol fbs restecg thalach exang oldpeak "
            "slope ca thal").split()
KINDS = ("single", "batch", "invalid_422", "malformed_400", "method_405",
         "unknown_404", "health", "metrics_json", "metrics_prometheus",
         "too_large_413", "infer", "infer_400")
BATCH = 5


class Run:
    def __init__(self, port, model, patients, expect, name):
        self.port = port
        self.infer = "/v2/models/%s/infer" % name
        self.model = model
        self.patients = patients
        self.expect = expect          # sha256 -> list of probabilities
        self.sent = {k: 0 for k in KINDS}
        self.failures = []
        self.n_failed = 0
        self.lock = threading.Lock()

    def fail(self, what):
        with self.lock:
            self.n_failed += 1
            if len(self.failures) < 20:
                self.failures.append(what)

    def count(self, kind):
        with self.lock:
            self.sent[kind] += 1

    def total(self):
        return sum(self.sent.values())


def body_of(row):
    """The /predict object for a CSV row: numbers as numbers, a missing
    value (empty field) as null, which the server imputes."""
    out = {}
    for f in FEATURES:
        v = row[f]
        out[f] = None if v == "" else json.loads(v)
    return out


def read_pred(path):
    with open(path, newline="") as f:
        return [float(r["probability"]) for r in csv.DictReader(f)]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def check_prob(run, what, answer, i):
    sha = answer.get("model", {}).get("sha256") if isinstance(answer, dict) else None
    want = run.expect.get(sha)
    if want is None:
        run.fail("%s: answer names model %r, which is neither file" % (what, sha))
        return
    p = answer.get("probability")
    # 0 and 1 are written as such (the shortest decimal of the double).
    if isinstance(p, bool) or not isinstance(p, (int, float)) or p != want[i]:
        run.fail("%s: patient %d probability %r, hd-predict says %r"
                 % (what, i, p, want[i]))
    pred = answer.get("prediction")
    thr = answer.get("threshold", 0.5)
    if pred != (1 if want[i] >= thr else 0):
        run.fail("%s: patient %d prediction %r for p=%r" % (what, i, pred, want[i]))


def one(run, conn, kind, i):
    """Send request i of its kind on conn; check the answer."""
    n = len(run.patients)
    hdr = {"Content-Type": "application/json"}
    if kind == "too_large_413":
        return too_large(run)
    if kind == "single":
        req = ("POST", "/predict", json.dumps(run.patients[i % n]))
    elif kind == "batch":
        idx = [(i + k) % n for k in range(BATCH)]
        req = ("POST", "/predict", json.dumps([run.patients[j] for j in idx]))
    elif kind == "invalid_422":
        bad = dict(run.patients[i % n], age="sixty", chol=[1])
        req = ("POST", "/predict", json.dumps(bad))
    elif kind == "malformed_400":
        req = ("POST", "/predict", '{"age": 63, "sex": ')
    elif kind == "method_405":
        req = ("GET", "/predict", None)
    elif kind == "unknown_404":
        req = ("GET", "/no/such/path", None)
    elif kind == "health":
        req = ("GET", "/health", None)
    elif kind == "metrics_json":
        req = ("GET", "/metrics", None)
    elif kind == "infer":
        rows = [[run.patients[(i + k) % n][f] for f in FEATURES] for k in range(3)]
        req = ("POST", run.infer, json.dumps({"id": str(i), "inputs": [
            {"name": "patients", "shape": [3, 13], "datatype": "FP64", "data": rows}]}))
    elif kind == "infer_400":
        req = ("POST", run.infer, json.dumps({"inputs": [
            {"name": "agee", "shape": [1], "datatype": "FP64", "data": [63]}]}))
    else:
        req = ("GET", "/metrics?format=prometheus", None)
    method, path, body = req
    run.count(kind)
    try:
        conn.request(method, path, body=body, headers=hdr if body else {})
        r = conn.getresponse()
        data = r.read()
    except (OSError, http.client.HTTPException) as e:
        run.fail("%s %d: no answer (%s)" % (kind, i, e))
        conn.close()
        return
    status = r.status
    ctype = r.getheader("Content-Type", "")
    what = "%s %d (%s %s -> %d)" % (kind, i, method, path, status)
    want = {"single": 200, "batch": 200, "invalid_422": 422,
            "malformed_400": 400, "method_405": 405, "unknown_404": 404,
            "health": 200, "metrics_json": 200,
            "metrics_prometheus": 200, "infer": 200, "infer_400": 400}[kind]
    if status != want:
        run.fail("%s: want %d: %.200r" % (what, want, data))
        return
    if kind == "metrics_prometheus":
        if not ctype.startswith("text/plain") or b"\nhd_" not in b"\n" + data:
            run.fail("%s: not the Prometheus text: %s %.200r" % (what, ctype, data))
        return
    try:
        ans = json.loads(data)
    except ValueError:
        run.fail("%s: not JSON: %.200r" % (what, data))
        return
    if kind == "single":
        check_prob(run, what, ans, i % n)
    elif kind == "batch":
        preds = ans.get("predictions", [])
        if ans.get("count") != BATCH or len(preds) != BATCH:
            run.fail("%s: %d predictions, want %d" % (what, len(preds), BATCH))
            return
        for k, p in enumerate(preds):
            p = dict(p, model=ans.get("model"), threshold=ans.get("threshold"))
            check_prob(run, what, p, (i + k) % n)
    elif kind == "invalid_422":
        locs = [d.get("loc") for d in ans.get("detail", [])]
        if ["body", "age"] not in locs or ["body", "chol"] not in locs:
            run.fail("%s: detail does not name age and chol: %r" % (what, ans))
    elif kind == "malformed_400":
        if not ans.get("detail"):
            run.fail("%s: no detail: %r" % (what, ans))
    elif kind == "method_405":
        if "POST" not in (r.getheader("Allow") or ""):
            run.fail("%s: Allow is %r" % (what, r.getheader("Allow")))
    elif kind == "health":
        if ans.get("status") != "ok" or ans.get("model", {}).get("sha256") not in run.expect:
            run.fail("%s: %r" % (what, ans))
    elif kind == "metrics_json":
        if not isinstance(ans.get("total_requests"), int):
            run.fail("%s: no total_requests: %r" % (what, ans))
    elif kind == "infer":
        ver = ans.get("model_version", "")
        sha = [s for s in run.expect if len(ver) == 12 and s.startswith(ver)]
        outs = {o.get("name"): o.get("data") for o in ans.get("outputs", [])}
        if ans.get("id") != str(i) or len(sha) != 1 or len(outs.get("probability") or []) != 3:
            run.fail("%s: %.300r" % (what, ans))
            return
        for k in range(3):
            p = {"probability": outs["probability"][k], "prediction": outs["prediction"][k],
                 "model": {"sha256": sha[0]}}
            check_prob(run, what, p, (i + k) % n)
    elif kind == "infer_400":
        if list(ans) != ["error"] or "agee" not in ans["error"]:
            run.fail("%s: %r" % (what, ans))


def too_large(run):
    """A Content-Length over lighttpd's server.max-request-size: 413,
    answered before the body is read (none is sent), in JSON."""
    run.count("too_large_413")
    head = (b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nConnection: close\r\n"
            b"Content-Length: 104857600\r\n\r\n")
    try:
        with socket.create_connection((HOST, run.port), timeout=60) as s:
            s.sendall(head)
            raw = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                raw += chunk
    except OSError as e:
        run.fail("too_large_413: no answer (%s)" % e)
        return
    line, _, rest = raw.partition(b"\r\n")
    body = rest.partition(b"\r\n\r\n")[2]
    parts = line.split()
    if len(parts) < 2 or parts[1] != b"413":
        run.fail("too_large_413: answered %.200r" % raw)
        return
    try:
        json.loads(body)
    except ValueError:
        run.fail("too_large_413: not JSON: %.200r" % body)


def phase(run, start, count, conns=4):
    """Requests start .. start+count-1, kind by round robin, over conns
    keep-alive connections at once."""
    def worker(t):
        conn = http.client.HTTPConnection(HOST, run.port, timeout=60)
        for i in range(start + t, start + count, conns):
            one(run, conn, KINDS[i % len(KINDS)], i)
        conn.close()
    ts = [threading.Thread(target=worker, args=(t,)) for t in range(conns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def health(run):
    run.count("health")
    conn = http.client.HTTPConnection(HOST, run.port, timeout=60)
    try:
        conn.request("GET", "/health")
        r = conn.getresponse()
        return r.status, json.loads(r.read())
    except (OSError, ValueError, http.client.HTTPException) as e:
        run.fail("/health after a reload: %s" % e)
        return 0, {}
    finally:
        conn.close()


def replace(run, content, until, what):
    """Put content in place of the served model by rename, then poll
    /health until until(answer) holds on 4 answers in a row (both
    workers have looked by then: each checks before its next answer
    once the reload interval, 100 ms, has passed)."""
    tmp = os.path.join(os.path.dirname(run.model), ".mixed.tmp")
    with open(tmp, "wb") as f:
        f.write(content)
    os.rename(tmp, run.model)
    time.sleep(0.15)
    ok, end = 0, time.monotonic() + 30
    while ok < 4 and time.monotonic() < end:
        status, ans = health(run)
        ok = ok + 1 if status == 200 and until(ans) else 0
        if ok == 0:
            time.sleep(0.05)
    if ok < 4:
        run.fail("reload (%s): /health never showed it" % what)


def main(argv):
    if len(argv) != 9:
        sys.stderr.write(__doc__)
        return 2
    port, n = int(argv[1]), int(argv[2])
    model, lr, rf, test, lr_pred, rf_pred = argv[3:9]
    with open(test, newline="") as f:
        patients = [body_of(r) for r in csv.DictReader(f)]
    expect = {sha256(lr): read_pred(lr_pred), sha256(rf): read_pred(rf_pred)}
    with open(lr, "rb") as f:
        lr_bytes = f.read()
    # Both files go by one name (the fit tools' default): infer's path.
    run = Run(port, model, patients, expect,
              json.loads(lr_bytes).get("name", "heart-disease"))
    with open(rf, "rb") as f:
        rf_bytes = f.read()
    rf_sha, lr_sha = sha256(rf), sha256(lr)
    broken = b'{"format": "hd-model", "version": 1, "kind": "nothing"}\n'
    broken_sha = hashlib.sha256(broken).hexdigest()
    steps = [
        ("random forest over the logistic regression", rf_bytes,
         lambda a: a.get("model", {}).get("sha256") == rf_sha),
        ("a broken file, refused", broken,
         lambda a: a.get("model", {}).get("sha256") == rf_sha
         and a.get("refused", {}).get("sha256") == broken_sha),
        ("the logistic regression again", lr_bytes,
         lambda a: a.get("model", {}).get("sha256") == lr_sha
         and "refused" not in a),
    ]
    reloads = []
    i = 0
    for k in range(len(steps) + 1):
        count = (n - run.total()) // (len(steps) + 1 - k)
        phase(run, i, count)
        i += count
        if k < len(steps):
            what, content, until = steps[k]
            replace(run, content, until, what)
            reloads.append(what)
    # The polls after the reloads took some of N: the last phase made up
    # for them, so exactly N went out.
    out = {"requests": run.total(), "by_kind": run.sent,
           "reloads": reloads, "failed": run.n_failed,
           "failures": run.failures}
    print(json.dumps(out, sort_keys=True))
    return 0 if run.n_failed == 0 and run.total() == n else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
