"""Checks of the built HTML that need no browser: every internal link and anchor resolves."""
from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        if d.get("id"):
            self.ids.add(d["id"])
        if tag == "a" and d.get("name"):
            self.ids.add(d["name"])
        if tag == "a" and d.get("href"):
            self.hrefs.append(d["href"])


def _parse(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8", errors="replace"))
    return p


def test_internal_links_and_anchors():
    if not SITE.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"book not built at {SITE}")
        pytest.skip(f"book not built at {SITE}: run `make book` first")
    pages = sorted(SITE.rglob("*.html"))
    parsed = {p.resolve(): _parse(p) for p in pages if "_static" not in p.parts}
    broken = []
    for page, links in parsed.items():
        for href in links.hrefs:
            url = urlparse(href)
            if url.scheme or href.startswith(("mailto:", "javascript:")) or not (url.path or url.fragment):
                continue
            target = (page.parent / unquote(url.path)).resolve() if url.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(SITE.resolve())}: {href} (no file)")
                continue
            if url.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if unquote(url.fragment) not in ids:
                    broken.append(f"{page.relative_to(SITE.resolve())}: {href} (no anchor)")
    assert not broken, "broken internal links:\n" + "\n".join(broken[:50])


def test_every_optional_cell_ran():
    """`make book` installs the frameworks extra, so no executed page may say that a framework
    was missing or glue "(not run here)" into a sentence that states a result (checked in the
    outputs of the executed notebooks the pages are built from, not in their code)."""
    executed = ROOT / "_build" / "jupyter_execute"
    if not executed.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"book not built at {executed}")
        pytest.skip(f"book not built at {executed}: run `make book` first")
    import json

    markers = ("(not run here)", "so this cell was skipped", "not installed")
    found = []
    for path in sorted(executed.rglob("*.ipynb")):
        for index, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            for output in cell.get("outputs", []):
                text = json.dumps(output, ensure_ascii=False)
                found += [f"{path.relative_to(executed)} cell {index}: {m!r}" for m in markers if m in text]
    assert not found, "pages built without an optional package:\n" + "\n".join(found)
