"""Local Sphinx extension: small fixes to the HTML that Jupyter Book 1 produces.

- Drop sphinx-thebe's scripts. Jupyter Book always loads them, the inline configuration is
  emitted twice (a console error, "Identifier 'THEBE_JS_URL' has already been declared"), and
  thebe would fetch its code from a CDN; this book is read offline and has no live kernel.
"""
from __future__ import annotations


def _is_thebe(script) -> bool:
    filename = getattr(script, "filename", None) or ""
    body = (getattr(script, "attributes", None) or {}).get("body", "") or ""
    return "thebe" in filename or "THEBE_JS_URL" in body


def _drop_thebe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if scripts:
        context["script_files"] = [s for s in scripts if not _is_thebe(s)]


def setup(app):
    app.connect("html-page-context", _drop_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
