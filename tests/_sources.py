"""The five source articles, for the tests that check a transcription against their text.

The articles are not part of the project (see README, Licence): they are read from
``LRCOURSE_SEEDS``, by default ``../shared/seeds`` beside the checkout, and a test that needs
one is skipped when it is not there.
"""
import os
from pathlib import Path

import pytest

SEEDS = Path(os.environ.get("LRCOURSE_SEEDS", Path(__file__).resolve().parents[2] / "shared" / "seeds"))


def source_article(number: str) -> str:
    """The text of source article ``number`` ("000" … "004"), or skip the calling test."""
    found = sorted(SEEDS.glob(f"{number}_*.txt"))
    if not found:
        pytest.skip(f"source article {number} not available in {SEEDS} (set LRCOURSE_SEEDS)")
    return found[0].read_text(encoding="utf-8")
