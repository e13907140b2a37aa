"""Shared test helpers."""
import pytest


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
