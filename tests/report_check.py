#!/usr/bin/python3
"""report_check.py - read an hd-report page the way a strict reader would.

  report_check.py check PAGE     every problem, one a line; exit 1 if any:
                                 a tag left open or closed out of order, a
                                 duplicate id, anything fetched from
                                 elsewhere (a src that is not data:, an
                                 href that is not #..., "http:", "https:",
                                 an @import, a url() in a style), inline
                                 <svg> or <script>, an image that does not
                                 decode to a whole SVG or PNG
  report_check.py metrics PAGE   the metrics table: "MODEL METRIC RAW SHOWN"
                                 a line, from <table id="metrics">
  report_check.py text PAGE      the page's text, one element's text a line
  report_check.py images PAGE    the embedded images: "MIME BYTES SHA256"
"""
import base64
import hashlib
import re
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "source", "track", "wbr"}
PNG = b"\x89PNG\r\n\x1a\n"


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems, self.ids = [], [], set()
        self.images, self.text = [], []
        self.rows = []              # (model, metric, raw, shown)
        self.in_metrics = 0         # depth inside <table id="metrics">
        self.model = None
        self.cell = None            # [metric, raw, text] of an open td

    def problem(self, what):
        self.problems.append(f"line {self.getpos()[0]}: {what}")

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("svg", "script", "iframe", "object", "link", "base"):
            self.problem(f"<{tag}> in the page")
        if "id" in a:
            if a["id"] in self.ids:
                self.problem(f"id {a['id']!r} twice")
            self.ids.add(a["id"])
        for k, v in attrs:
            v = v or ""
            if k == "src" and not v.startswith("data:"):
                self.problem(f"src={v[:60]!r} is not a data: URI")
            if k == "href" and not v.startswith("#"):
                self.problem(f"href={v[:60]!r} leaves the page")
            if k == "style" or k.startswith("on"):
                self.problem(f"attribute {k}")
        if tag == "img":
            self.images.append(a.get("src", ""))
            if not a.get("alt"):
                self.problem("an <img> without alt text")
        if tag == "table" and a.get("id") == "metrics":
            self.in_metrics = 1
        elif self.in_metrics and tag == "table":
            self.in_metrics += 1
        if self.in_metrics and tag == "tr":
            self.model = a.get("data-model")
        if self.in_metrics and tag == "td" and "data-metric" in a:
            self.cell = [a["data-metric"], a.get("data-value"), ""]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        if tag not in VOID:
            self.problem(f"<{tag}/> is not a void element")
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in VOID:
            self.problem(f"</{tag}> closes a void element")
            return
        if not self.stack or self.stack[-1] != tag:
            self.problem(f"</{tag}> but the open element is "
                         f"<{self.stack[-1] if self.stack else 'none'}>")
            if tag in self.stack:
                while self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()
        if tag == "td" and self.cell is not None:
            self.rows.append((self.model, *self.cell))
            self.cell = None
        if tag == "table" and self.in_metrics:
            self.in_metrics -= 1

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[2] += data
        if data.strip():
            self.text.append(" ".join(data.split()))


def check_image(uri):
    """Why the data: URI is not a whole SVG or PNG, or None."""
    m = re.fullmatch(r"data:(image/svg\+xml|image/png);base64,([A-Za-z0-9+/]*={0,2})", uri)
    if not m:
        return f"not a base64 SVG or PNG data: URI: {uri[:60]!r}"
    try:
        data = base64.b64decode(m.group(2), validate=True)
    except ValueError as e:
        return f"bad base64: {e}"
    if m.group(1) == "image/png":
        if not data.startswith(PNG) or data[-8:] != b"IEND\xaeB`\x82":
            return "not a whole PNG"
        return None
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        return f"the SVG is not well-formed XML: {e}"
    if root.tag not in ("svg", "{http://www.w3.org/2000/svg}svg"):
        return f"the image's root is <{root.tag}>, not <svg>"
    return None


def parse(path):
    with open(path, "rb") as f:
        raw = f.read()
    p = Page()
    p.raw = raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        p.problems.append(f"not UTF-8: {e}")
        text = raw.decode("utf-8", "replace")
    if not text.startswith("<!DOCTYPE html>\n"):
        p.problems.append("no <!DOCTYPE html> first")
    p.feed(text)
    p.close()
    if p.stack:
        p.problems.append(f"left open at the end: {p.stack}")
    for word in ("http:", "https:", "@import", "url("):
        if word in text:
            p.problems.append(f"{word!r} in the page")
    for uri in p.images:
        why = check_image(uri)
        if why:
            p.problems.append(why)
    return p


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    what, page = sys.argv[1], parse(sys.argv[2])
    if what == "check":
        for q in page.problems:
            print(q)
        return 1 if page.problems else 0
    if what == "metrics":
        for model, metric, raw, shown in page.rows:
            print(model, metric, raw, shown.strip())
    elif what == "text":
        print("\n".join(page.text))
    elif what == "images":
        for uri in page.images:
            mime, _, b64 = uri[5:].partition(";base64,")
            data = base64.b64decode(b64)
            print(mime, len(data), hashlib.sha256(data).hexdigest())
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
