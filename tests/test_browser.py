"""The built book in a real browser (headless Debian Chromium driven by Playwright).

For every page of ``_build/html``: no failed request, nothing fetched from outside 127.0.0.1,
no console error, math rendered by the self-hosted MathJax, every image loaded, the sidebar
reaching every chapter; for every widget: it renders, and moving each slider changes the
displayed frame. A screenshot of every page goes to ``artifacts/screenshots/``.

Needs the built book (``make test`` builds it first). Under ``CI=true`` this test must run:
a missing browser or book is a failure, not a skip.
"""
from __future__ import annotations

import functools
import gzip
import http.server
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = os.environ.get("CI", "").lower() == "true"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"]
MAX_PAGE_GZIP = 2 * 1024 * 1024


def _require(condition: bool, message: str) -> None:
    if condition:
        return
    if IN_CI:
        pytest.fail(message + " (CI=true: the browser test must run)")
    pytest.skip(message)


def _pages() -> list[str]:
    if not SITE.exists():
        return []
    return sorted(str(p.relative_to(SITE)) for p in (SITE / "book").rglob("*.html"))


def _toc_docs() -> list[str]:
    """Every document named in _toc.yml (root, chapters and sections)."""
    text = (ROOT / "_toc.yml").read_text()
    return re.findall(r"(?:root|file):\s*(\S+)", text)


@pytest.fixture(scope="module")
def server():
    _require(SITE.exists() and (SITE / "index.html").exists(), f"book not built at {SITE}: run `make book` first")
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def browser():
    _require(CHROMIUM is not None, "chromium not found: install it with `apt-get install chromium` "
                                   "(Debian) to run the browser test")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _visible_frame(widget) -> str | None:
    """The src of the frame image currently shown inside a widget box."""
    return widget.evaluate(
        """el => { for (const img of el.querySelectorAll('img')) {
                 if (img.offsetParent !== null && img.getBoundingClientRect().width > 0) return img.src; }
               return null; }"""
    )


@pytest.mark.parametrize("page_path", _pages() or ["<no pages>"])
def test_page(page_path, server, browser):
    assert page_path != "<no pages>", "no pages in the built book"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    failed, external, errors = [], [], []
    host = urlparse(server).netloc
    page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
    page.on("response", lambda r: failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None)
    page.on("request", lambda r: external.append(r.url)
            if urlparse(r.url).scheme in ("http", "https") and urlparse(r.url).netloc != host else None)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/{page_path}", wait_until="load")
    page.wait_for_load_state("networkidle")
    assert not failed, f"failed requests: {failed}"
    page.wait_for_load_state("networkidle")

    html = page.content()
    has_math = page.locator("span.math, div.math").count() > 0
    if has_math:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=15000)
        page.evaluate("() => MathJax.startup.promise")
        assert page.locator("mjx-container").count() > 0, "MathJax rendered nothing"
    body_text = page.locator("article").inner_text() if page.locator("article").count() else ""
    assert "\\(" not in body_text and "$$" not in body_text, "raw LaTeX left in the page text"

    broken = page.evaluate(
        "() => Array.from(document.images).filter(i => i.offsetParent !== null && "
        "!(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80))")
    assert not broken, f"images that did not load: {broken}"

    nav = page.locator("nav.bd-docs-nav a.reference").evaluate_all("els => els.map(e => e.href)")
    for doc in _toc_docs():
        assert any(href.split("#")[0].endswith(doc + ".html") for href in nav) or doc == "book/intro", \
            f"sidebar does not reach {doc}"

    widgets = page.locator(".widget-vbox:has(.widget-slider)")
    if "application/vnd.jupyter.widget-view+json" in html:
        page.wait_for_selector(".widget-slider", timeout=20000)
    for w in range(widgets.count()):
        widget = widgets.nth(w)
        widget.scroll_into_view_if_needed()
        assert _visible_frame(widget), f"widget {w} shows no frame"
        handles = widget.locator(".noUi-handle")
        for s in range(handles.count()):
            before = _visible_frame(widget)
            handles.nth(s).focus()
            for key in ("ArrowRight", "ArrowLeft", "ArrowLeft"):
                page.keyboard.press(key)
                page.wait_for_timeout(50)
                if _visible_frame(widget) != before:
                    break
            assert _visible_frame(widget) != before, f"slider {s} of widget {w} does not change the frame"

    live = page.locator(".lrcourse-live")            # recompute-on-change widgets: no kernel here
    for w in range(live.count()):
        widget = live.nth(w)
        widget.scroll_into_view_if_needed()
        assert _visible_frame(widget), f"live widget {w} shows no picture in the static page"
        assert "kernel" in widget.inner_text(), f"live widget {w} does not say that it needs a kernel"

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / (page_path.replace("/", "_").replace(".html", ".png"))), full_page=True)
    page.close()
    assert not failed, f"failed requests: {failed}"
    assert not external, f"requests leaving the site: {external}"
    ours = [e for e in errors if "favicon" not in e]
    assert not ours, f"console errors: {ours}"


def _page_weight(html_file: Path, *, shared: bool = False) -> int:
    """Gzipped bytes of a page: its HTML (with the widget frames embedded in it) and the images
    only it uses; with ``shared=True`` also every script, style and image under ``_static`` it
    loads (the theme, MathJax, the widget manager), which a browser fetches once for the site."""
    total = len(gzip.compress(html_file.read_bytes()))
    text = html_file.read_text(encoding="utf-8", errors="replace")
    seen = set()
    for ref in re.findall(r'(?:src|href)="([^"#?]+)', text):
        if ref.startswith(("http:", "https:", "data:", "mailto:")) or not ref.endswith((".js", ".css", ".png", ".svg", ".woff2")):
            continue
        path = (html_file.parent / ref).resolve()
        if path in seen or not path.is_file() or (("_static" in path.parts) and not shared):
            continue
        seen.add(path)
        total += len(gzip.compress(path.read_bytes()))
    return total


def test_page_weight():
    """No page over 2 MB gzipped (its own HTML, frames and images); the heaviest are reported,
    with and without the site-wide assets that every page shares."""
    _require(SITE.exists(), f"book not built at {SITE}")
    weights = {p: _page_weight(SITE / p) for p in _pages()}
    heaviest = sorted(weights.items(), key=lambda kv: -kv[1])[:5]
    print("heaviest pages (gzipped: own / with shared assets):",
          [(p, f"{w / 1024:.0f} KB / {_page_weight(SITE / p, shared=True) / 1024:.0f} KB") for p, w in heaviest])
    too_heavy = {p: w for p, w in weights.items() if w > MAX_PAGE_GZIP}
    assert not too_heavy, f"pages over 2 MB gzipped: {too_heavy}"


def test_no_cdn_in_html():
    """No page references a script, style or font outside the site."""
    _require(SITE.exists(), f"book not built at {SITE}")
    offenders = {}
    for p in _pages():
        text = (SITE / p).read_text(encoding="utf-8", errors="replace")
        refs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', text)
        if refs:
            offenders[p] = refs
    assert not offenders, f"pages loading from outside the site: {offenders}"


@pytest.mark.parametrize("query", ["warmup", "余弦"])
def test_search_finds(query, server, browser):
    """The theme's search (client-side, no server) finds English and Chinese glossary terms."""
    page = browser.new_page()
    page.goto(f"{server}/search.html?q={query}", wait_until="load")
    page.wait_for_selector("#search-results ul.search li", timeout=20000)
    hits = page.locator("#search-results ul.search li a").evaluate_all("els => els.map(e => e.href)")
    page.close()
    assert hits, f"search for {query!r} found nothing"
    if query == "余弦":
        assert any("glossary" in h for h in hits), f"search for {query!r} does not find the glossary: {hits}"
