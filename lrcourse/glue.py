"""``glue``: store a value in a notebook's outputs for the book's ``{glue}`` roles.

The same output as ``myst_nb.glue`` (myst-nb 1.x, ``myst_nb/ext/glue``), without its import
cost: ``myst_nb.glue`` imports ``nbformat``, whose JSON-schema validator loads
``rfc3987_syntax`` and compiles a grammar on import — about 2.7 s per kernel on the course's
2-core machine, paid by every notebook twice in CI (book build and nbval). This module imports
only IPython, which a kernel has already loaded.

The output is a display-data message whose metadata is
``{"scrapbook": {"name": name, "mime_prefix": prefix}}``; with ``display=False`` the MIME
types carry the prefix ``application/papermill.record/`` so Jupyter shows nothing while
myst-nb still finds the value (see the myst-nb docs, "Embedding outputs as variables").
"""
from __future__ import annotations

from typing import Any

__all__ = ["glue", "GLUE_PREFIX"]

#: MIME prefix of a glued value that is stored but not displayed (myst-nb's ``GLUE_PREFIX``).
GLUE_PREFIX = "application/papermill.record/"


def glue(name: str, variable: Any, display: bool = True) -> None:
    """Glue ``variable`` under ``name`` (then ``{glue:text}`name``` in the book shows it).

    A numpy scalar (``np.float64(0.5)``, a 0-d array) is glued as the Python number it holds:
    myst-nb formats the text representation, and numpy 2 prints ``np.float64(0.5)``, which
    ``{glue:text}`name:.3g``` cannot format.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    if type(variable).__module__ == "numpy" and getattr(variable, "ndim", None) == 0:
        variable = variable.item()
    from IPython.core.formatters import format_display_data
    from IPython.display import display as ipy_display

    mimebundle, metadata = format_display_data(variable)
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = dict(name=name, mime_prefix=prefix)
    ipy_display({prefix + k: v for k, v in mimebundle.items()}, raw=True, metadata=metadata)
