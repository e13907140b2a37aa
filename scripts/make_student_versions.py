#!/usr/bin/env python
"""Make the student versions of the course's assignments, without an nbgrader course set-up.

The instructor notebooks live in ``book/assignments/source/<name>/<name>.ipynb`` in nbgrader's
format: solution regions between ``### BEGIN SOLUTION`` / ``### END SOLUTION``, hidden tests
between ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``, and nbgrader cell metadata for
the answer, test and read-only cells. ``book/assignments`` is therefore an nbgrader course
directory as it stands: ``cd book/assignments && nbgrader generate_assignment <name> --no-db``
writes ``release/<name>/<name>.ipynb``.

This script applies the same nbgrader preprocessors as ``nbgrader generate_assignment``
(lock the test cells, replace solutions by ``raise NotImplementedError()`` stubs, clear
outputs, remove the hidden tests, compute the checksums) from Python, and writes

* ``build/assignments/release/<name>/<name>.ipynb`` — the notebooks to hand out (the same
  cells as nbgrader's release version; ``build/`` is not committed);
* ``book/assignments/<name>.ipynb`` — the student view shown in the book: the same notebook
  plus a header cell that links to the worked solution, with execution switched off
  (``"mystnb": {"execution_mode": "off"}``: the stubs would fail the build). These pages are
  committed; ``tests/test_assignments.py`` fails when they are out of date.

Usage (from the project root; ``make student-assignments`` runs the first form)::

    python scripts/make_student_versions.py                 # release notebooks + book pages
    python scripts/make_student_versions.py --release-dir DIR --no-book
    python scripts/make_student_versions.py --check         # exit 1 if a book page is stale
"""
from __future__ import annotations

import argparse
import copy
import os
import posixpath
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ROOT / "book" / "assignments"
SOURCE = ASSIGNMENTS / "source"
RELEASE = ROOT / "build" / "assignments" / "release"

_LINK = re.compile(r"(\]\()([^)\s]+)(\))")          # the target of a markdown link [text](target)


def assignment_names() -> list[str]:
    """Names of the assignments: the folders of ``book/assignments/source`` holding ``<name>.ipynb``."""
    return sorted(p.name for p in SOURCE.iterdir() if (p / f"{p.name}.ipynb").is_file())


def source_path(name: str) -> Path:
    return SOURCE / name / f"{name}.ipynb"


def book_path(name: str) -> Path:
    return ASSIGNMENTS / f"{name}.ipynb"


def read_source(name: str) -> nbformat.NotebookNode:
    return nbformat.read(source_path(name), as_version=4)


def _preprocessors() -> list:
    """nbgrader's GenerateAssignment pipeline, in its order, minus the steps that need a course
    (the header/footer include, the autotest templates and saving the cells to the database)."""
    from nbgrader.preprocessors import (CheckCellMetadata, ClearHiddenTests, ClearMarkScheme,
                                        ClearOutput, ClearSolutions, ComputeChecksums, LockCells)
    return [LockCells(), ClearSolutions(), ClearOutput(), CheckCellMetadata(), ComputeChecksums(),
            ClearHiddenTests(), ClearMarkScheme(), ComputeChecksums(), CheckCellMetadata()]


def student_version(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student version of an instructor notebook (a new notebook; ``nb`` is not modified)."""
    out = copy.deepcopy(nb)
    resources: dict = {}
    for pre in _preprocessors():
        out, resources = pre.preprocess(out, resources)
    return out


def relink(nb: nbformat.NotebookNode, from_dir: Path, to_dir: Path) -> nbformat.NotebookNode:
    """Rewrite the relative links of markdown cells written for a notebook in ``from_dir`` so
    that they point to the same files from a notebook in ``to_dir`` (in place; returns nb)."""
    def fix(match: re.Match) -> str:
        target = match.group(2)
        if re.match(r"^([a-z][a-z0-9+.-]*:|#|/)", target, re.I):    # URL, anchor or absolute
            return match.group(0)
        path, _, anchor = target.partition("#")
        moved = os.path.relpath(os.path.normpath(from_dir / path), to_dir).replace(os.sep, posixpath.sep)
        return f"{match.group(1)}{moved}{'#' + anchor if anchor else ''}{match.group(3)}"

    for cell in nb.cells:
        if cell.cell_type == "markdown" and "nbgrader" not in cell.metadata:   # keep checksums valid
            cell.source = _LINK.sub(fix, cell.source)
    return nb


def release_version(name: str, release_dir: Path = RELEASE) -> nbformat.NotebookNode:
    """The notebook to hand out, for ``release_dir/<name>/<name>.ipynb``."""
    nb = student_version(read_source(name))
    return relink(nb, source_path(name).parent, release_dir / name)


def book_version(name: str) -> nbformat.NotebookNode:
    """The student page of the book, ``book/assignments/<name>.ipynb``."""
    nb = relink(student_version(read_source(name)), source_path(name).parent, ASSIGNMENTS)
    solution = f"source/{name}/{name}.ipynb"
    header = nbformat.v4.new_markdown_cell(
        "> **Student version.** Download this notebook (download button at the top of the page, "
        "`.ipynb`), open it in Jupyter with the course's `lrcourse` package installed, replace "
        "each `raise NotImplementedError()` by your code and run the test cells. This page is "
        "shown without running it: the unfinished stubs would only print errors. "
        f"Self-learners: the [worked solution]({solution}) has the answers and the hidden tests.")
    nb.cells.insert(1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0, header)
    for i, cell in enumerate(nb.cells):        # ids as nbstripout numbers them: "0", "1", ...
        cell["id"] = str(i)
    nb.metadata["mystnb"] = {"execution_mode": "off"}
    return nb


def _text(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


def stale_book_pages() -> list[str]:
    """Names whose committed book page differs from what this script would write."""
    stale = []
    for name in assignment_names():
        path = book_path(name)
        if not path.is_file() or path.read_text(encoding="utf-8") != _text(book_version(name)):
            stale.append(name)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--release-dir", type=Path, default=RELEASE,
                        help="where to write <name>/<name>.ipynb (default: build/assignments/release)")
    parser.add_argument("--no-book", action="store_true", help="do not rewrite book/assignments/<name>.ipynb")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a book page is out of date with its source")
    args = parser.parse_args(argv)

    if args.check:
        stale = stale_book_pages()
        for name in stale:
            print(f"out of date: {book_path(name).relative_to(ROOT)} (run: make student-assignments)")
        return 1 if stale else 0

    release_dir = args.release_dir.resolve()
    for name in assignment_names():
        out = release_dir / name / f"{name}.ipynb"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(_text(release_version(name, release_dir)), encoding="utf-8")
        print(f"student version: {out}")
        if not args.no_book:
            page = book_path(name)
            text = _text(book_version(name))
            if not page.is_file() or page.read_text(encoding="utf-8") != text:
                page.write_text(text, encoding="utf-8")
                print(f"book page updated: {page.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
