# Two commands (see README):
#   make book   - create .venv, install everything (frameworks extra included), build the HTML book into _build/html
#   make test   - create/reuse .venv, install everything incl. test tools, run every test
# Both are idempotent and reuse what is already installed.
# Also: make test-matrix - the library tests on the oldest and newest supported Python and dependencies

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
JB_FLAGS := -W -n --keep-going
# notebooks executed and tests run this many at a time (CI has 2 cores)
JOBS ?= 2
# Keras 3 runs on the PyTorch backend here (no TensorFlow needed)
export KERAS_BACKEND ?= torch
# one BLAS thread per process: the tests and notebook kernels run side by side on 2 cores
export OPENBLAS_NUM_THREADS ?= 1
NOTEBOOKS = $(shell find book -name '*.ipynb' -not -path '*/_build/*' -not -path '*/.ipynb_checkpoints/*' -not -path 'book/assignments/release/*')

.PHONY: book test test-matrix setup setup-test frameworks browser static clean lab bench student-assignments strip

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# core install (stamp re-made when requirements change)
$(VENV)/.core: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt -e . 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/python -c "import lrcourse, myst_nb, nbval"
	touch $@

# optional extra: PyTorch (CPU), Keras 3, optax (used by the practice chapter)
$(VENV)/.frameworks: $(VENV)/.core
	$(BIN)/pip install -q -e '.[frameworks]' 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/python -c "import torch, keras, optax"
	touch $@

static:
	$(BIN)/python scripts/fetch_static.py

setup: $(VENV)/.core static

frameworks: $(VENV)/.frameworks

# headless Chromium for the browser test (Debian's package; never a downloaded browser)
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian's chromium for the browser test"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "could not install chromium"; \
	  else echo "chromium not found: the browser test will be skipped (sudo apt-get install chromium)"; fi; \
	fi

setup-test: setup frameworks browser

book: setup frameworks
	rm -rf _build/html   # Sphinx 7.4 does not overwrite changed static files (execution stays cached)
	$(BIN)/python scripts/execute_notebooks.py --jobs $(JOBS)   # fills the build's cache in parallel
	$(BIN)/jupyter-book build . $(JB_FLAGS)
	@echo
	@echo "Book built: open $(CURDIR)/_build/html/index.html"
	@echo "(or serve it: $(BIN)/python -m http.server -d _build/html 8000, then http://127.0.0.1:8000)"
	@echo "Run the notebooks live: $(BIN)/jupyter lab book/"

test: setup-test
	$(BIN)/nbstripout --verify $(NOTEBOOKS)
	rm -rf _build/html   # Sphinx 7.4 does not overwrite changed static files (execution stays cached)
	$(BIN)/python scripts/execute_notebooks.py --jobs $(JOBS)
	$(BIN)/jupyter-book build . $(JB_FLAGS)
	$(BIN)/python -m pytest tests book --nbval-lax -p no:cacheprovider -q -ra -n $(JOBS) --dist loadfile
	@echo "library tests again, as on an x86-64 CPU without AVX2 and AVX-512 (numpy's SIMD kernels switched off):"
	NPY_DISABLE_CPU_FEATURES="$$($(BIN)/python scripts/cpu_features.py)" \
	  $(BIN)/python -m pytest tests -p no:cacheprovider -q -ra -n $(JOBS) --dist loadfile \
	  --ignore tests/test_browser.py --ignore tests/test_site.py

# the library tests on Python 3.10 with the lowest declared numpy/matplotlib/ipywidgets, and on
# Python 3.13 with the newest releases; each at this CPU's SIMD level and with it switched off
test-matrix:
	bash scripts/test_matrix.sh

lab: setup
	$(BIN)/jupyter lab book/

bench: setup
	$(BIN)/python -m lrcourse.bench

student-assignments: setup
	$(BIN)/python scripts/make_student_versions.py

# normalise notebooks before committing (what `make test` verifies)
strip: $(VENV)/.core
	$(BIN)/nbstripout $(NOTEBOOKS)

clean:
	rm -rf _build
