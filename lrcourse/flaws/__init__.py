"""Minimal reproductions of the flaws of the five source articles, in our own code.

The articles (000–004) are the course's syllabus and contain many errors; ``ERRATA`` IDs such
as ``000-C1`` name them. For every flaw that code can show, a module here has two functions,
named after the ID with ``-`` replaced by ``_``:

- ``repro_000_C1()`` runs a minimal reproduction (our own code with the same defect, never the
  article's text) and returns a dict of what happens (measured numbers, the error message);
- ``fix_000_C1()`` runs the corrected version and returns a dict of its results.

Chapters show the flawed and corrected code with :func:`show_source` and glue the numbers;
the errata appendix collects every pair through :func:`registry`; ``tests/test_flaws_*.py``
assert the documented failure and the fix. One module per chapter:
``gradient_descent``, ``choosing_lr``, ``schedules``, ``momentum``, ``adaptive``,
``init_warmup``, ``practice``.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from typing import Callable

__all__ = ["show_source", "registry", "flaw_id", "run"]

_NAME = re.compile(r"^(repro|fix)_(\d{3})_([A-Z]+\d*)$")


def flaw_id(function_name: str) -> str | None:
    """'repro_000_C1' -> '000-C1' (None if the name does not follow the convention)."""
    m = _NAME.match(function_name)
    return f"{m.group(2)}-{m.group(3)}" if m else None


def registry() -> dict[str, dict[str, Callable[[], dict]]]:
    """Every reproduction and fix in this package: ``{"000-C1": {"repro": f, "fix": g}, ...}``."""
    found: dict[str, dict[str, Callable[[], dict]]] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name, obj in vars(module).items():
            ident = flaw_id(name)
            if ident and callable(obj) and obj.__module__ == module.__name__:
                found.setdefault(ident, {})[name.split("_", 1)[0]] = obj
    return dict(sorted(found.items()))


def run(ident: str, which: str = "repro") -> dict:
    """Run the reproduction (``which="repro"``) or the fix (``"fix"``) of one flaw ID."""
    entry = registry().get(ident)
    if entry is None or which not in entry:
        raise KeyError(f"no {which} for {ident!r}; known IDs: {sorted(registry())}")
    return entry[which]()


def show_source(*functions: Callable) -> "IPython.display.Code":  # noqa: F821
    """Display the source of functions as a highlighted code block (for the notebooks)."""
    from IPython.display import Code

    text = "\n\n".join(inspect.getsource(f).rstrip() for f in functions)
    return Code(text, language="python")
