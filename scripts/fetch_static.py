"""Fetch the book's JavaScript (MathJax, require.js, the ipywidgets HTML manager) from the npm
registry into book/_static/vendor, so the built site loads nothing from a CDN.

Pinned versions and their registry integrity hashes are below; a mismatch stops the build.
Needs `npm` on PATH (it only runs `npm pack`). Idempotent: does nothing when the files are there.
"""
from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "book" / "_static" / "vendor"

PACKAGES = {
    "mathjax@3.2.2": "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
    "@jupyter-widgets/html-manager@1.0.7": "sha512-2xGwS7vVd2RGlKMiSqj1vYv2X59V73ygefUodhzy9Bho0mswWT/yo3Cg7MaYOqwozQjNo5k3rbJ3cETXWUwJ/g==",
    "requirejs@2.3.7": "sha512-DouTG8T1WanGok6Qjg2SXuCMzszOo0eHeH9hDZ5Y4x8Je+9JB38HdTLT4/VA8OaUhBa0JPVHJ0pyBkM1z+pDsw==",
}
STAMP = VENDOR / "VERSIONS.txt"
LAYOUT = "3"
FONT_SUFFIXES = {".woff2", ".woff", ".ttf", ".eot", ".svg"}  # bump when the folder layout below changes


def _keep_mathjax(name: str) -> bool:
    # the combined TeX->CHTML component plus what it loads on demand (extensions, fonts, a11y)
    if not name.startswith("package/es5/"):
        return False
    rel = name[len("package/es5/"):]
    if "/" not in rel:
        return rel in {"tex-chtml.js", "latest.js", "startup.js"}
    return not rel.startswith(("output/svg",))


def main() -> int:
    wanted = "\n".join(PACKAGES) + f"\nlayout {LAYOUT}\n"
    if STAMP.exists() and STAMP.read_text() == wanted:
        return 0
    if shutil.which("npm") is None:
        sys.exit(
            "fetch_static: `npm` is not on PATH. The book serves MathJax and the widget manager "
            "itself (no CDN), fetched from the npm registry at set-up time. Install Node.js/npm "
            "(Debian: apt-get install -y npm) and run the command again."
        )
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    VENDOR.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        for spec, integrity in PACKAGES.items():
            out = subprocess.run(["npm", "pack", spec, "--silent"], cwd=tmp, check=True,
                                 capture_output=True, text=True).stdout.strip().splitlines()[-1]
            tgz = Path(tmp) / out
            digest = "sha512-" + base64.b64encode(hashlib.sha512(tgz.read_bytes()).digest()).decode()
            if digest != integrity:
                sys.exit(f"fetch_static: integrity mismatch for {spec}: {digest} != {integrity}")
            name = spec.rsplit("@", 1)[0]
            with tarfile.open(tgz) as tar:
                for member in tar.getmembers():
                    if not member.isfile():
                        continue
                    n = member.name
                    if name == "mathjax" and _keep_mathjax(n):
                        dest = VENDOR / "mathjax" / n[len("package/es5/"):]
                    elif name == "requirejs" and n == "package/require.js":
                        dest = VENDOR / "require.js"
                    elif name.endswith("html-manager") and n.startswith("package/dist/") and not n.endswith(
                        (".map", "embed.js", "libembed-amd.js", ".txt")):
                        dest = VENDOR / "@jupyter-widgets" / "html-manager" / "dist" / n[len("package/dist/"):]
                    else:
                        continue
                    data = tar.extractfile(member).read()
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(data)
                    if name.endswith("html-manager") and dest.suffix in FONT_SUFFIXES:
                        # webpack resolves the fonts against the AMD module's URL, which is
                        # vendor/@jupyter-widgets/ for one of the bundles: serve them there too
                        (VENDOR / "@jupyter-widgets" / dest.name).write_bytes(data)
    STAMP.write_text(wanted)
    print(f"fetch_static: vendored {', '.join(PACKAGES)} into {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
