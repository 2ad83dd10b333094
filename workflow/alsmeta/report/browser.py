"""Headless Chromium for the report: open it as a reader would, screenshot it, print it to PDF.

Talks the Chrome DevTools Protocol over a pipe (``--remote-debugging-pipe``: JSON messages
separated by NUL bytes on file descriptors 3 and 4), so it needs Chromium (Debian's
``chromium`` package) and nothing from PyPI. Chromium is optional for the pipeline: only
the PDF target and the browser test use it, and both say clearly when it is missing.

PDF determinism: an untagged Chromium PDF differs between two prints of the same page only
in the ``/CreationDate`` and ``/ModDate`` entries of its document information; they are
blanked with spaces of the same length, so byte offsets (and the cross-reference table) stay
valid. A tagged PDF is not used: Chromium names its structure elements after DOM node ids,
which change from one print to the next.

Command line::

    python -m alsmeta.report.browser check results/report/report.html \\
        [--screenshot docs/images/report.png] [--phone-screenshot docs/images/report_phone.png]
    python -m alsmeta.report.browser pdf results/report/report.html results/report/report.pdf
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 60.0

INSPECT = """(() => {
  const imgs = [...document.images];
  const figures = [...document.querySelectorAll('figure svg, figure img')];
  const alt = e => (e.getAttribute('aria-label') || e.getAttribute('alt') || '').trim();
  const drawn = e => e.tagName === 'IMG' ? e.complete && e.naturalWidth > 0
    : e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().height > 0;
  return {
    title: document.title,
    images: figures.length,
    broken: figures.filter(e => !drawn(e)).map(e => alt(e).slice(0, 80)),
    without_alt: figures.filter(e => !alt(e)).length + imgs.filter(i => !i.alt.trim()).length,
    sections: [...document.querySelectorAll('section[id]')].map(s => s.id),
    headings: [...document.querySelectorAll('h2')].map(h => h.textContent.trim()),
    dead_links: [...document.querySelectorAll('a[href^="#"]')]
      .map(a => decodeURIComponent(a.getAttribute('href').slice(1)))
      .filter(id => !document.getElementById(id)),
    external: [...document.querySelectorAll('[src]')]
      .map(e => e.getAttribute('src')).filter(s => !s.startsWith('data:')),
    height: document.documentElement.scrollHeight,
    toc: [...document.querySelectorAll('nav.toc a')].map(a => a.getAttribute('href').slice(1)),
  };
})()"""

#: How far the page is wider than the window, and the widest elements that stick out
#: (outside a box that scrolls sideways on its own).
OVERFLOW = """(() => {
  const width = document.documentElement.clientWidth;
  const out = [...document.body.querySelectorAll('*')]
    .filter(e => !e.parentElement.closest('.scroll, pre, svg'))
    .filter(e => e.getBoundingClientRect().right > width + 0.5)
    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof
      e.className === 'string' ? '.' + e.className : ''));
  return {excess: document.documentElement.scrollWidth - width, sticking_out: out.slice(0, 10)};
})()"""

#: The smallest text on screen (CSS px; SVG text scaled as drawn), with what it says: the
#: five smallest visible text elements (measured with every block unfolded, so that text a
#: reader can open counts).
SMALLEST_TEXT = """(() => {
  const out = [], seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, e = node.parentElement;
    if (!node.textContent.trim() || seen.has(e)) continue;
    seen.add(e);
    if (!e.checkVisibility({visibilityProperty: true})) continue;
    const box = e.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    let size = parseFloat(getComputedStyle(e).fontSize);
    if (e.closest('svg')) { const m = e.getScreenCTM(); size *= Math.hypot(m.a, m.b); }
    out.push([Math.round(size * 100) / 100, e.tagName.toLowerCase(),
              node.textContent.trim().slice(0, 40)]);
  }
  return out.sort((a, b) => a[0] - b[0]).slice(0, 5);
})()"""

#: Open every folded block (as a reader who unfolds everything, or a printer).
UNFOLD = "document.querySelectorAll('details').forEach(d => { d.open = true; })"

#: Reading widths the page must fit: a desktop window and a phone held upright.
WIDTHS = (1280, 390)
#: The tallest the opened page (nothing unfolded) may be at each width, in CSS px: a panel
#: moves through it in minutes, details are a click away.
MAX_HEIGHT = {1280: 15_000, 390: 25_000}
#: The smallest legible text on a phone, CSS px.
MIN_TEXT_PX = 9.0
PHONE = 390


class BrowserUnavailable(RuntimeError):
    """No usable Chromium on this machine."""


def find_chromium() -> str | None:
    """$ALSMETA_CHROMIUM, else the first of chromium, chromium-browser, google-chrome."""
    explicit = os.environ.get("ALSMETA_CHROMIUM")
    if explicit:
        return explicit if shutil.which(explicit) else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _missing_message() -> str:
    return (
        "Chromium not found (looked for $ALSMETA_CHROMIUM, "
        + ", ".join(CANDIDATES)
        + "); install it with `apt-get install chromium`"
    )


@dataclass
class PageCheck:
    """What a reader's browser saw."""

    title: str
    images: int
    broken: list = field(default_factory=list)
    without_alt: int = 0
    sections: list = field(default_factory=list)
    headings: list = field(default_factory=list)
    dead_links: list = field(default_factory=list)
    external: list = field(default_factory=list)
    height: int = 0
    toc: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    overflow: dict = field(default_factory=dict)  # viewport width -> {excess, sticking_out}
    heights: dict = field(default_factory=dict)  # viewport width -> page height (px)
    smallest_text: dict = field(default_factory=dict)  # viewport width -> [[px, tag, text]]

    @property
    def dead_toc_links(self) -> list:
        return [t for t in self.toc if t in self.dead_links]

    @property
    def overflowing(self) -> dict:
        """The widths at which the page scrolls sideways."""
        return {w: o for w, o in self.overflow.items() if o["excess"] > 0}

    @property
    def too_tall(self) -> dict:
        """The widths at which the opened page is taller than :data:`MAX_HEIGHT`."""
        return {w: h for w, h in self.heights.items() if h > MAX_HEIGHT.get(w, h)}

    @property
    def illegible(self) -> list:
        """Text smaller than :data:`MIN_TEXT_PX` on a phone."""
        return [t for t in self.smallest_text.get(PHONE, []) if t[0] < MIN_TEXT_PX]


class Chromium:
    """One headless Chromium, driven over the DevTools pipe. Use as a context manager."""

    def __init__(self, executable: str | None = None):
        self.executable = executable or find_chromium()
        if not self.executable:
            raise BrowserUnavailable(_missing_message())
        self.profile = tempfile.mkdtemp(prefix="alsmeta-chromium-")
        to_child, self._write = os.pipe()
        self._read, from_child = os.pipe()

        def wire():  # in the child: our pipe ends become fds 3 (commands) and 4 (replies)
            a, b = os.dup(to_child), os.dup(from_child)
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [
            self.executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--mute-audio",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-sync",
            "--remote-debugging-pipe",
            f"--user-data-dir={self.profile}",
            "about:blank",
        ]
        try:
            self.process = subprocess.Popen(
                args,
                preexec_fn=wire,
                close_fds=False,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError as exc:
            raise BrowserUnavailable(f"cannot start {self.executable}: {exc}") from exc
        finally:
            os.close(to_child)
            os.close(from_child)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for fd in (self._read, self._write):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def _receive(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._read], [], [], left)
            if ready:
                chunk = os.read(self._read, 1 << 20)
                if not chunk:
                    raise BrowserUnavailable(
                        f"{self.executable} exited (code {self.process.poll()})"
                    )
                self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None):
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        try:
            os.write(self._write, json.dumps(message).encode() + b"\0")
        except BrokenPipeError as exc:
            raise BrowserUnavailable(f"{self.executable} is not running") from exc
        deadline = time.monotonic() + TIMEOUT
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, event: str) -> dict:
        for i, message in enumerate(self.events):
            if message.get("method") == event:
                return self.events.pop(i)
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = self._receive(deadline)
            if message.get("method") == event:
                return message
            self.events.append(message)

    def open(self, path, width: int = 1280, height: int = 900, mobile: bool = False) -> str:
        """Load a local file in a new tab; return the session id once it and its images loaded."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
            self.send(domain, session=session)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
            session=session,
        )
        self.send("Page.navigate", {"url": Path(path).resolve().as_uri()}, session=session)
        self.wait_for("Page.loadEventFired")
        self.evaluate(
            session,
            "Promise.all([...document.images].map(i => i.decode().catch(() => null)))",
            await_promise=True,
        )
        return session

    def evaluate(self, session: str, expression: str, await_promise: bool = False):
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": await_promise},
            session=session,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def console_errors(self) -> list[str]:
        errors = []
        for message in self.events:
            method, params = message.get("method"), message.get("params", {})
            if method == "Runtime.exceptionThrown":
                errors.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append(
                    " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
                )
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                errors.append(params["entry"].get("text", "error"))
        return errors


def _save_screenshot(browser: Chromium, session: str, path) -> None:
    shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(base64.b64decode(shot["data"]))


def check(path, screenshot=None, phone_screenshot=None) -> PageCheck:
    """Open the page; report figures, sections, links, console errors, and at each of
    :data:`WIDTHS` how tall it is with nothing unfolded, then, with every block unfolded,
    whether it fits without scrolling sideways and its smallest text; optionally save
    screenshots of the first screen at 1280 x 900 and at 390 x 844 pixels."""
    with Chromium() as browser:
        session = browser.open(path)
        seen = browser.evaluate(session, INSPECT)
        if screenshot:
            _save_screenshot(browser, session, screenshot)
        overflow, heights, smallest = {}, {}, {}
        for width in WIDTHS:
            tab = browser.open(path, width=width, height=844, mobile=width < 600)
            browser.evaluate(tab, "document.fonts.ready", await_promise=True)
            heights[width] = browser.evaluate(tab, "document.documentElement.scrollHeight")
            if phone_screenshot and width == PHONE:
                _save_screenshot(browser, tab, phone_screenshot)
            browser.evaluate(tab, UNFOLD)
            overflow[width] = browser.evaluate(tab, OVERFLOW)
            smallest[width] = browser.evaluate(tab, SMALLEST_TEXT)
        return PageCheck(
            **seen,
            overflow=overflow,
            heights=heights,
            smallest_text=smallest,
            console_errors=browser.console_errors(),
        )


_DATES = re.compile(rb"/(CreationDate|ModDate) \(D:[0-9Z+'\-]*\)")


def blank_dates(pdf: bytes) -> bytes:
    """Replace the PDF's creation and modification dates with spaces of the same length."""
    return _DATES.sub(lambda m: b" " * len(m.group(0)), pdf)


def print_pdf(html_path, pdf_path) -> None:
    """Print the page to an A4 PDF with page numbers (untagged: see the module doc)."""
    with Chromium() as browser:
        session = browser.open(html_path)
        result = browser.send(
            "Page.printToPDF",
            {
                "printBackground": True,
                "paperWidth": 8.27,
                "paperHeight": 11.69,
                "marginTop": 0.5,
                "marginBottom": 0.6,
                "marginLeft": 0.4,
                "marginRight": 0.4,
                "displayHeaderFooter": True,
                "headerTemplate": "<span></span>",
                "footerTemplate": (
                    "<div style='font-size:8px;width:100%;text-align:center'>"
                    "<span class='pageNumber'></span> / <span class='totalPages'></span></div>"
                ),
                "generateTaggedPDF": False,
            },
            session=session,
        )
    data = blank_dates(base64.b64decode(result["data"]))
    out = Path(pdf_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="open the report, print what loaded, exit 1 on a problem")
    c.add_argument("html")
    c.add_argument("--screenshot", help="PNG of the first 1280 x 900 pixels")
    c.add_argument("--phone-screenshot", help="PNG of the first 390 x 844 pixels")
    p = sub.add_parser("pdf", help="print the report to PDF")
    p.add_argument("html")
    p.add_argument("pdf")
    args = parser.parse_args(argv)
    try:
        if args.command == "pdf":
            print_pdf(args.html, args.pdf)
            print(f"wrote {args.pdf}")
            return 0
        seen = check(args.html, args.screenshot, args.phone_screenshot)
    except BrowserUnavailable as exc:
        print(exc, file=sys.stderr)
        return 2
    print(json.dumps(seen.__dict__, indent=1))
    bad = (
        seen.broken
        or seen.console_errors
        or seen.dead_links
        or seen.external
        or seen.without_alt
        or seen.overflowing
        or seen.too_tall
        or seen.illegible
        or not seen.toc
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
