"""Which SIMD kernels numpy dispatches to here, and how to switch the wide ones off.

numpy picks its SIMD kernels by CPU at run time, so the last bit of a float can depend on the
machine (see ``tests/conftest.py``). The test command runs the library tests a second time as
if on an older x86-64 CPU: with every dispatch target above SSE4.2 (AVX, AVX2, AVX-512 and the
X86_V3/X86_V4 groups) disabled through ``NPY_DISABLE_CPU_FEATURES``. Their names differ
between numpy versions (numpy 2.4: ``X86_V3 X86_V4 AVX512_ICL AVX512_SPR``; numpy 1.26:
``AVX F16C FMA3 AVX2 AVX512F ... AVX512_SPR``), so this script reads them from the installed numpy.

    python scripts/cpu_features.py            # prints the value for NPY_DISABLE_CPU_FEATURES
    python scripts/cpu_features.py --report   # one line: numpy version and active targets
"""
from __future__ import annotations

import sys

WIDE_PREFIXES = ("AVX", "F16C", "FMA", "X86_V3", "X86_V4")


def dispatch_targets() -> tuple[list[str], dict[str, bool]]:
    """(the targets numpy can dispatch to, {feature: available and not disabled})."""
    try:
        from numpy._core import _multiarray_umath as umath          # numpy >= 2
    except ImportError:                                              # numpy 1.26
        from numpy.core import _multiarray_umath as umath
    return list(umath.__cpu_dispatch__), dict(umath.__cpu_features__)


def wide_targets() -> list[str]:
    """The dispatch targets above SSE4.2 that this numpy knows, in numpy's order."""
    targets, _ = dispatch_targets()
    return [t for t in targets if t.startswith(WIDE_PREFIXES)]


def report() -> str:
    import numpy as np

    targets, features = dispatch_targets()
    active = [t for t in targets if features.get(t)]
    return f"numpy {np.__version__}, SIMD dispatch targets active: {' '.join(active) or 'none (baseline only)'}"


if __name__ == "__main__":
    print(report() if "--report" in sys.argv[1:] else " ".join(wide_targets()))
