"""Tests of the classroom assignments in book/assignments (nbgrader format).

* The instructor notebooks (``book/assignments/source/<name>/<name>.ipynb``) follow nbgrader's
  conventions, and ``scripts/make_student_versions.py`` turns them into exactly what
  ``nbgrader generate_assignment`` makes.
* In a real Jupyter kernel: every solution notebook runs and passes every autograder cell;
  every student version runs up to its autograder cells, which all FAIL on the unimplemented
  stubs (no other cell fails except with ``NotImplementedError`` from calling a stub); and for
  each assignment, plausible wrong submissions — mostly the source articles' own flaws —
  substituted for one answer cell make an autograder cell raise ``AssertionError``.
* The student pages of the book are up to date with the sources and are not executed.

All notebook runs share ONE kernel (a combined notebook, ``%reset -f`` between runs), which
keeps this module fast; the kernel gets ``OPENBLAS_NUM_THREADS=1`` because small matrix
products are far slower with threads on a busy machine.
"""
from __future__ import annotations

import ast
import copy
import fnmatch
import os
import re
import runpy
import shutil
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import make_student_versions as msv  # noqa: E402

NAMES = msv.assignment_names()
EXPECTED = ["01_gradient_descent", "02_schedules", "03_momentum", "04_adam", "05_he_init",
            "06_training_loop"]


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _grade_id(cell) -> str | None:
    return _meta(cell).get("grade_id")


def _is_grade(cell) -> bool:
    return bool(_meta(cell).get("grade"))


def _is_solution(cell) -> bool:
    return bool(_meta(cell).get("solution"))


# --------------------------------------------------------------------------- wrong submissions
# (assignment, label, grade_id of the answer cell to replace, its new source,
#  grade_id of the autograder cell that must raise AssertionError)
WRONG = [
    ("01_gradient_descent", "gradient with the flipped sign (000-C1)", "grad_half_mse", """
        def grad_half_mse(theta, X, y):
            return X.T @ (y - X @ theta) / len(y)
        """, "test_grad_half_mse"),
    ("01_gradient_descent", "update climbs the gradient (000-C1)", "gradient_descent", """
        def gradient_descent(grad_fn, theta0, lr, steps):
            theta = np.array(theta0, dtype=float)
            path = [theta]
            for _ in range(steps):
                theta = theta + lr * grad_fn(theta)
                path.append(theta)
            return np.array(path)
        """, "test_gradient_descent"),
    ("01_gradient_descent", "updates the caller's theta0 in place (000-C1)", "gradient_descent", """
        def gradient_descent(grad_fn, theta0, lr, steps):
            theta = theta0
            path = [theta.copy()]
            for _ in range(steps):
                theta -= lr * grad_fn(theta)
                path.append(theta.copy())
            return np.array(path)
        """, "test_gradient_descent"),
    ("01_gradient_descent", "limit taken as 1/lambda_max", "predicted_limit", """
        lam_max = np.linalg.eigvalsh(X.T @ X / len(y))[-1]
        predicted_limit = 1 / lam_max
        """, "test_stability_limit"),
    ("02_schedules", "cosine without the (1 + cos)/2 shift: negative rates (001-M12)", "cosine_annealing", """
        def cosine_annealing(lr_max, total_steps, lr_min=0.0):
            return lambda t: lr_min + (lr_max - lr_min) * math.cos(math.pi * min(t, total_steps) / total_steps)
        """, "test_cosine_annealing"),
    ("02_schedules", "warmup that does not restart the wrapped schedule", "linear_warmup", """
        def linear_warmup(schedule, warmup_steps, start_factor=0.0):
            peak = schedule(0)
            def warmed(t):
                if t < warmup_steps:
                    return peak * (start_factor + (1 - start_factor) * t / warmup_steps)
                return schedule(t)
            return warmed
        """, "test_linear_warmup"),
    ("02_schedules", "cosine fitted over the whole run, warmup ignored", "my_schedule", """
        my_schedule = cosine_annealing(0.4, 200, lr_min=0.004)
        """, "test_my_schedule"),
    ("03_momentum", "random initial buffer (001-M16)", "heavy_ball", """
        def heavy_ball(grad_fn, theta0, lr, beta, steps):
            theta = np.array(theta0, dtype=float)
            b = 0.1 * np.random.default_rng(0).standard_normal(theta.shape)
            path = [theta]
            for _ in range(steps):
                b = beta * b + grad_fn(theta)
                theta = theta - lr * b
                path.append(theta)
            return np.array(path)
        """, "test_heavy_ball"),
    ("03_momentum", "adds only the previous gradient (001-M15)", "heavy_ball", """
        def heavy_ball(grad_fn, theta0, lr, beta, steps):
            theta = np.array(theta0, dtype=float)
            previous = np.zeros_like(theta)
            path = [theta]
            for _ in range(steps):
                g = grad_fn(theta)
                theta = theta - lr * (g + beta * previous)
                previous = g
                path.append(theta)
            return np.array(path)
        """, "test_heavy_ball"),
    ("03_momentum", "rescaling in the wrong direction", "heavy_ball_lr", """
        def heavy_ball_lr(lr, beta):
            return lr / (1.0 - beta)
        """, "test_heavy_ball_lr"),
    ("04_adam", "m squared instead of g squared (001-M8, 001-C4)", "adam", """
        def adam(grad_fn, theta0, lr, steps, beta1=0.9, beta2=0.999, eps=1e-8, bias_correction=True):
            theta = np.array(theta0, dtype=float)
            m, v, path = np.zeros_like(theta), np.zeros_like(theta), [theta]
            for t in range(1, steps + 1):
                g = grad_fn(theta)
                m = beta1 * m + (1 - beta1) * g
                v = beta2 * v + (1 - beta2) * m * m
                m_hat, v_hat = (m / (1 - beta1 ** t), v / (1 - beta2 ** t)) if bias_correction else (m, v)
                theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
                path.append(theta)
            return np.array(path)
        """, "test_adam"),
    ("04_adam", "no bias correction (001-C4, 001-C5)", "adam", """
        def adam(grad_fn, theta0, lr, steps, beta1=0.9, beta2=0.999, eps=1e-8, bias_correction=True):
            theta = np.array(theta0, dtype=float)
            m, v, path = np.zeros_like(theta), np.zeros_like(theta), [theta]
            for t in range(1, steps + 1):
                g = grad_fn(theta)
                m = beta1 * m + (1 - beta1) * g
                v = beta2 * v + (1 - beta2) * g * g
                theta = theta - lr * m / (np.sqrt(v) + eps)
                path.append(theta)
            return np.array(path)
        """, "test_adam"),
    ("04_adam", "inverted bias correction (001-M8)", "adam", """
        def adam(grad_fn, theta0, lr, steps, beta1=0.9, beta2=0.999, eps=1e-8, bias_correction=True):
            theta = np.array(theta0, dtype=float)
            m, v, path = np.zeros_like(theta), np.zeros_like(theta), [theta]
            for t in range(1, steps + 1):
                g = grad_fn(theta)
                m = beta1 * m + (1 - beta1) * g
                v = beta2 * v + (1 - beta2) * g * g
                m_hat, v_hat = (m * (1 - beta1 ** t), v * (1 - beta2 ** t)) if bias_correction else (m, v)
                theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
                path.append(theta)
            return np.array(path)
        """, "test_adam"),
    ("05_he_init", "factor 0.1 for even sizes (000-C6)", "he_normal", """
        def he_normal(fan_in, fan_out, rng):
            std = np.sqrt(2.0 / fan_in)
            if fan_in % 2 == 0:
                std *= 0.1
            return rng.normal(0.0, std, size=(fan_in, fan_out))
        """, "test_he_normal"),
    ("05_he_init", "returns the standard deviation, samples nothing (000-C5)", "he_normal", """
        def he_normal(fan_in, fan_out, rng):
            return np.sqrt(2.0 / fan_in)
        """, "test_he_normal"),
    ("05_he_init", "Glorot's variance 2/(fan_in + fan_out)", "he_normal", """
        def he_normal(fan_in, fan_out, rng):
            return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))
        """, "test_he_normal"),
    ("06_training_loop", "schedule evaluated once, before the loop (000-C2..C4)", "train", """
        def train(schedule, epochs, batch_size=20, seed=0):
            rng = np.random.default_rng(seed)
            net, params = make_model()
            lr = schedule(epochs)
            lrs, losses = [], []
            for epoch in range(epochs):
                for idx in minibatches(rng, batch_size):
                    params = params - lr * net.grad(params, X[idx], y[idx])
                lrs.append(lr)
                losses.append(net.loss(params, X, y))
            return net, params, lrs, losses
        """, "test_train"),
    ("06_training_loop", "model rebuilt every epoch (004-C1)", "train", """
        def train(schedule, epochs, batch_size=20, seed=0):
            rng = np.random.default_rng(seed)
            lrs, losses = [], []
            for epoch in range(epochs):
                net, params = make_model()
                lr = schedule(epoch)
                for idx in minibatches(rng, batch_size):
                    params = params - lr * net.grad(params, X[idx], y[idx])
                lrs.append(lr)
                losses.append(net.loss(params, X, y))
            return net, params, lrs, losses
        """, "test_train"),
]
WRONG_IDS = [f"{name}: {label}" for name, label, *_ in WRONG]


def _substituted(name: str, answer_id: str, source: str, stop_after: str) -> nbformat.NotebookNode:
    """The solution notebook with one answer cell replaced, cut after the cell ``stop_after``."""
    nb = msv.read_source(name)
    ids = [_grade_id(c) for c in nb.cells]
    assert answer_id in ids and stop_after in ids, (answer_id, stop_after)
    nb.cells[ids.index(answer_id)].source = textwrap.dedent(source).strip()
    nb.cells = nb.cells[: ids.index(stop_after) + 1]
    return nb


# --------------------------------------------------------------------------- one kernel for all runs
# between runs: clear the namespace and the figures; the Agg backend makes plt.show() a no-op
# (drawing the figures is the book build's job, and slow)
_SEPARATOR = ('%reset -f\nimport warnings as _w, matplotlib as _m, matplotlib.pyplot as _plt\n'
              '_m.use("agg")\n_plt.close("all")\n'
              '_w.filterwarnings("ignore", message=".*non-interactive.*")\ndel _w, _m, _plt')


@pytest.fixture(scope="module")
def runs() -> dict:
    """Execute every solution, every student version and every wrong submission in one kernel.

    Returns {key: [(cell, error_name or None, error_text), ...]} for the code cells of each run,
    with keys ("solution", name), ("student", name) and ("wrong", index into WRONG).
    """
    from nbclient import NotebookClient

    jobs = {}
    for name in NAMES:
        jobs[("solution", name)] = msv.read_source(name)
        jobs[("student", name)] = msv.student_version(msv.read_source(name))
    for i, (name, _, answer_id, source, test_id) in enumerate(WRONG):
        jobs[("wrong", i)] = _substituted(name, answer_id, source, test_id)

    combined = nbformat.v4.new_notebook(metadata=copy.deepcopy(msv.read_source(NAMES[0]).metadata))
    owners = []                                   # (job key, original cell) per combined cell
    for key, nb in jobs.items():
        combined.cells.append(nbformat.v4.new_code_cell(_SEPARATOR))
        owners.append((None, None))
        for cell in nb.cells:
            if cell.cell_type == "code":
                combined.cells.append(nbformat.v4.new_code_cell(cell.source))
                owners.append((key, cell))
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    client = NotebookClient(combined, timeout=300, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(ROOT)}})
    client.execute(env=env)

    results: dict = {key: [] for key in jobs}
    for (key, cell), done in zip(owners, combined.cells):
        errors = [o for o in done.outputs if o.output_type == "error"]
        if key is None:
            assert not errors, f"the separator cell failed: {errors}"
            continue
        error = errors[0] if errors else None
        results[key].append((cell, error.ename if error else None,
                             f"{error.ename}: {error.evalue}" if error else ""))
    return results


# --------------------------------------------------------------------------- the sources
def test_one_assignment_per_chapter():
    assert NAMES == EXPECTED


@pytest.mark.parametrize("name", NAMES)
def test_source_follows_nbgrader_conventions(name):
    from nbgrader.nbgraderformat import MetadataValidator

    nb = msv.read_source(name)
    MetadataValidator().validate_nb(nb)            # schema, unique grade ids, points
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code_answers = [c for c in nb.cells if _is_solution(c) and c.cell_type == "code"]
    written = [c for c in nb.cells if _is_solution(c) and c.cell_type == "markdown"]
    tests = [c for c in nb.cells if _is_grade(c) and c.cell_type == "code"]
    assert code_answers and tests and written
    for cell in code_answers:
        assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source, _grade_id(cell)
        assert not _is_grade(cell), "answer cells are graded through separate test cells"
    for cell in written:
        assert _is_grade(cell) and _meta(cell)["points"] > 0          # manually graded answer
    for cell in tests:
        assert _meta(cell)["locked"] and _meta(cell)["points"] > 0
        assert "assert" in cell.source
    assert any("### BEGIN HIDDEN TESTS" in c.source for c in tests)
    for cell in nb.cells:
        if "BEGIN SOLUTION" in cell.source:
            assert _is_solution(cell)
        if "HIDDEN TESTS" in cell.source:
            assert _is_grade(cell) and cell.cell_type == "code"
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "store notebooks without outputs"


@pytest.mark.parametrize("name", NAMES)
def test_student_version_hides_solutions_and_hidden_tests(name):
    source = msv.read_source(name)
    student = msv.student_version(source)
    assert len(student.cells) == len(source.cells)
    text = "\n".join(c.source for c in student.cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS"):
        assert marker not in text
    # every line that only occurs inside solution or hidden-test regions of the source is gone
    public, secret = set(), set()
    for cell in source.cells:
        inside = False
        for line in cell.source.splitlines():
            if re.search(r"### (BEGIN|END) (SOLUTION|HIDDEN TESTS)", line):
                inside = "BEGIN" in line
                continue
            target = secret if inside or (_is_solution(cell) and cell.cell_type == "markdown") else public
            target.add(line.strip())
    leaked = {line for line in secret - public if len(line) > 3} & {
        line.strip() for line in text.splitlines()}
    assert not leaked
    stubs = [c for c in student.cells if _is_solution(c) and c.cell_type == "code"]
    assert stubs and all("raise NotImplementedError()" in c.source for c in stubs)


def test_one_command_versions_equal_nbgrader_generate_assignment(tmp_path):
    """Running nbgrader itself (as `nbgrader generate_assignment NAME --no-db` does) on a copy
    of the course directory gives exactly the notebooks of make_student_versions.py."""
    from nbgrader.apps import GenerateAssignmentApp

    shutil.copytree(msv.SOURCE, tmp_path / "source")
    for name in NAMES:
        app = GenerateAssignmentApp()
        app.initialize([name, "--no-db", f"--CourseDirectory.root={tmp_path}", "--log-level=ERROR"])
        app.start()
        theirs = nbformat.read(tmp_path / "release" / name / f"{name}.ipynb", as_version=4)
        assert theirs == msv.student_version(msv.read_source(name)), name


def test_script_writes_release_versions(tmp_path):
    assert msv.main(["--release-dir", str(tmp_path), "--no-book"]) == 0
    for name in NAMES:
        nb = nbformat.read(tmp_path / name / f"{name}.ipynb", as_version=4)
        assert "BEGIN SOLUTION" not in "".join(c.source for c in nb.cells)
        for cell in nb.cells:                       # relative links were rewritten for the new place
            if cell.cell_type == "markdown":
                for link in re.findall(r"\]\(([^)#\s]+\.ipynb)", cell.source):
                    assert (tmp_path / name / link).resolve().is_file(), link


# --------------------------------------------------------------------------- the book pages
def test_book_student_pages_are_up_to_date():
    assert msv.stale_book_pages() == [], "run: make student-assignments (scripts/make_student_versions.py)"


@pytest.mark.parametrize("name", NAMES)
def test_book_student_page_is_not_executed_and_links_its_solution(name):
    page = nbformat.read(msv.book_path(name), as_version=4)
    assert page.metadata["mystnb"]["execution_mode"] == "off"
    links = [link for c in page.cells if c.cell_type == "markdown"
             for link in re.findall(r"\]\(([^)#\s]+)", c.source) if not link.startswith("http")]
    assert f"source/{name}/{name}.ipynb" in links
    for link in links:
        assert (msv.ASSIGNMENTS / link).is_file(), f"broken link {link} in {name}"


def test_nbval_skips_the_student_pages_but_runs_the_solutions():
    ignore = runpy.run_path(str(msv.ASSIGNMENTS / "conftest.py"))["collect_ignore_glob"]

    def ignored(path: Path) -> bool:
        return any(fnmatch.fnmatch(str(path), str(msv.ASSIGNMENTS / g)) for g in ignore)

    for name in NAMES:
        assert ignored(msv.book_path(name))
        assert ignored(msv.ASSIGNMENTS / "release" / name / f"{name}.ipynb")
        assert not ignored(msv.source_path(name))


def test_index_links_every_assignment():
    index = (msv.ASSIGNMENTS / "index.md").read_text(encoding="utf-8")
    for name in NAMES:
        assert f"{{doc}}`{name}`" in index and f"source/{name}/{name}" in index


# --------------------------------------------------------------------------- execution
@pytest.mark.parametrize("name", NAMES)
def test_solution_passes_every_autograder_cell(runs, name):
    results = runs[("solution", name)]
    failures = [(_grade_id(c), err) for c, ename, err in results if ename]
    assert not failures
    assert sum(_is_grade(c) for c, *_ in results) >= 1


def _names_assigned_in_answers(name: str) -> set[str]:
    """Top-level names assigned in the answer cells of the instructor notebook."""
    names = set()
    for cell in msv.read_source(name).cells:
        if _is_solution(cell) and cell.cell_type == "code":
            for node in ast.parse(cell.source).body:
                targets = node.targets if isinstance(node, ast.Assign) else []
                names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


@pytest.mark.parametrize("name", NAMES)
def test_student_version_fails_exactly_at_the_autograder_cells(runs, name):
    results = runs[("student", name)]
    answers = _names_assigned_in_answers(name)      # undefined while their cell is a stub

    def downstream_of_a_stub(ename: str, err: str) -> bool:
        missing = re.match(r"NameError: name '(\w+)' is not defined", err)
        return ename == "NotImplementedError" or bool(missing and missing.group(1) in answers)

    for cell, ename, err in results:
        if _is_grade(cell):
            assert ename in ("NotImplementedError", "AssertionError", "NameError"), (_grade_id(cell), err)
        else:   # set-up and demo cells run, or stop at a stub (or at a value a stub did not set)
            assert ename is None or downstream_of_a_stub(ename, err), (cell.source[:80], err)
    first_test = next(i for i, (c, *_) in enumerate(results) if _is_grade(c))
    assert all(ename is None for c, ename, _ in results[:first_test] if not _is_solution(c)), \
        "the cells before the first autograder cell must run"
    assert all(ename for c, ename, _ in results if _is_grade(c)), "every autograder cell must fail"


@pytest.mark.parametrize("case", range(len(WRONG)), ids=WRONG_IDS)
def test_wrong_submission_is_rejected(runs, case):
    name, label, answer_id, _, test_id = WRONG[case]
    results = runs[("wrong", case)]
    cell, ename, err = results[-1]
    assert _grade_id(cell) == test_id
    assert ename == "AssertionError", f"{label}: {test_id} did not reject it ({err or 'passed'})"
    before = [(_grade_id(c), e) for c, ename, e in results[:-1] if ename]
    assert not before, f"{label}: failed before reaching {test_id}: {before}"


def test_every_assignment_rejects_a_wrong_submission():
    assert {name for name, *_ in WRONG} == set(NAMES)
