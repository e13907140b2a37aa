"""lrcourse.glue: the same display message as myst_nb.glue, without importing nbformat."""
import subprocess
import sys

import pytest

from lrcourse import glue as lrglue


def _captured(glue_fn, monkeypatch, *args, **kwargs):
    calls = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: calls.append((a, k)))
    glue_fn(*args, **kwargs)
    return calls


@pytest.mark.parametrize("value", [0.125, 3, "text", [1, 2]])
@pytest.mark.parametrize("display", [True, False])
def test_same_message_as_myst_nb(monkeypatch, value, display):
    import myst_nb.ext.glue as reference

    monkeypatch.setattr(reference, "ipy_display", lambda *a, **k: ref.append((a, k)))
    ref: list = []
    reference.glue("name", value, display=display)
    ours = _captured(lrglue.glue, monkeypatch, "name", value, display=display)
    assert ours == ref and len(ours) == 1
    (bundle,), kwargs = ours[0]
    assert kwargs["metadata"]["scrapbook"] == {"name": "name", "mime_prefix": "" if display else lrglue.GLUE_PREFIX}


def test_prefix_is_myst_nb_s():
    import myst_nb.ext.glue as reference

    assert lrglue.GLUE_PREFIX == reference.GLUE_PREFIX


def test_name_must_be_a_string():
    with pytest.raises(TypeError, match="name"):
        lrglue.glue(3, 1.0)


def test_importing_and_gluing_does_not_load_nbformat():
    code = ("import sys; from lrcourse.glue import glue; glue('x', 1.0, display=False); "
            "print(sorted(m for m in ('nbformat', 'jsonschema', 'myst_nb') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("value, plain", [(__import__("numpy").float64(0.5), "0.5"),
                                          (__import__("numpy").int64(7), "7"),
                                          (__import__("numpy").array(2.25), "2.25")])
def test_numpy_scalars_are_glued_as_python_numbers(monkeypatch, value, plain):
    # myst-nb formats text/plain with the role's format spec: 'np.float64(0.5)' cannot be formatted
    (bundle,), _ = _captured(lrglue.glue, monkeypatch, "name", value, display=False)[0]
    assert bundle[lrglue.GLUE_PREFIX + "text/plain"] == plain
