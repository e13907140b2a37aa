"""Shared test helpers, and the CPU the floats came from.

numpy dispatches SIMD kernels by CPU, so the test header names the ones in use; the test
command runs the library tests once as they are and once with the wide ones switched off
(``NPY_DISABLE_CPU_FEATURES``, see ``scripts/cpu_features.py``). A switch that did not take
effect would make the second run test the first machine again, so it stops the run.
"""
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import cpu_features  # noqa: E402


def pytest_report_header(config):
    disabled = os.environ.get("NPY_DISABLE_CPU_FEATURES", "").split()
    note = f" (NPY_DISABLE_CPU_FEATURES={' '.join(disabled)})" if disabled else ""
    return cpu_features.report() + note


def pytest_configure(config):
    disabled = os.environ.get("NPY_DISABLE_CPU_FEATURES", "").split()
    _, features = cpu_features.dispatch_targets()
    still_on = [name for name in disabled if features.get(name)]
    if still_on:
        raise pytest.UsageError(f"NPY_DISABLE_CPU_FEATURES did not switch off {' '.join(still_on)}")


def _check_plain(value):
    if isinstance(value, dict):
        for v in value.values():
            _check_plain(v)
    elif isinstance(value, list):
        for v in value:
            _check_plain(v)
    else:
        assert type(value) in (float, int, str, bool), type(value)


@pytest.fixture
def assert_plain():
    """Check that a reproduction's result holds only plain Python values (for glue and YAML)."""
    return _check_plain
