#!/usr/bin/env bash
# make test-matrix: the library tests (tests/ without the built-book and browser checks) on the
# two ends of what pyproject.toml declares, each at this CPU's SIMD level and again with numpy's
# AVX/AVX2/AVX-512 kernels switched off:
#   lowest  Python 3.10 with numpy 1.26.0, matplotlib 3.8.0, ipywidgets 8.1.0, scikit-learn 1.3.0 (the declared floors)
#   newest  Python 3.13 with the newest releases pip resolves
# Each gets its own venv under .venv-matrix/ (kept, so a second run only re-tests). The frameworks
# extra is not installed there: its tests skip. Prints one line per run and a summary table.
# PY310 / PY313 choose the interpreters (default: python3.10 / python3.13 on PATH, else pyenv's).
set -uo pipefail
cd "$(dirname "$0")/.."

find_python() {   # version -> an interpreter of that version that runs, or the bare name
  local v=$1 candidate
  for candidate in "python$v" "$(pyenv root 2>/dev/null)"/versions/"$v".*/bin/"python$v"; do
    if "$candidate" -c "" >/dev/null 2>&1; then echo "$candidate"; return; fi
  done
  echo "python$v"
}
PY310=${PY310:-$(find_python 3.10)}
PY313=${PY313:-$(find_python 3.13)}
JOBS=${JOBS:-2}
export OPENBLAS_NUM_THREADS=1
mkdir -p .venv-matrix
summary=()

setup() {   # name python pip-args...
  local name=$1 python=$2; shift 2
  local venv=.venv-matrix/$name
  if ! "$python" -c "" >/dev/null 2>&1; then
    echo "test-matrix: $python not found: $name skipped"; return 1
  fi
  if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv" || return 1
    "$venv/bin/python" -m pip install -q --upgrade pip >"$venv/pip.log" 2>&1
  fi
  echo "test-matrix: $name: installing (log in $venv/pip.log)"
  if ! "$venv/bin/pip" install -q "$@" -r requirements.txt -e . >>"$venv/pip.log" 2>&1 \
     || ! "$venv/bin/python" -c "import lrcourse"; then
    tail -20 "$venv/pip.log"; echo "test-matrix: $name: install failed"; return 1
  fi
}

run_tests() {   # name level
  local name=$1 level=$2 venv=.venv-matrix/$1 disable="" out
  [ "$level" = "no-AVX" ] && disable=$("$venv/bin/python" scripts/cpu_features.py)
  out=$(NPY_DISABLE_CPU_FEATURES="$disable" "$venv/bin/python" -m pytest tests -p no:cacheprovider -q \
        -n "$JOBS" --dist loadfile --ignore tests/test_browser.py --ignore tests/test_site.py 2>&1)
  local status=$? versions last
  versions=$("$venv/bin/python" -c "import sys, numpy, matplotlib, ipywidgets; print(f'Python {sys.version.split()[0]}, numpy {numpy.__version__}, matplotlib {matplotlib.__version__}, ipywidgets {ipywidgets.__version__}')")
  last=$(printf '%s\n' "$out" | tail -1)
  [ $status -ne 0 ] && printf '%s\n' "$out" | grep -E '^(FAILED|ERROR)' | head -20
  echo "test-matrix: $name, $level: $versions: $last"
  summary+=("| $name | $level | $versions | $last |")
  return $status
}

failed=0
# the floors: pip's constraints pin them while the rest of requirements.txt resolves around them
printf 'numpy==1.26.0\nmatplotlib==3.8.0\nipywidgets==8.1.0\nscikit-learn==1.3.0\n' > .venv-matrix/lowest-constraints.txt
if setup lowest "$PY310" -c .venv-matrix/lowest-constraints.txt; then
  run_tests lowest native || failed=1
  run_tests lowest no-AVX || failed=1
else failed=1; fi
if setup newest "$PY313" --upgrade --upgrade-strategy eager; then
  run_tests newest native || failed=1
  run_tests newest no-AVX || failed=1
else failed=1; fi

echo
echo "| venv | SIMD | versions | result |"
echo "|---|---|---|---|"
printf '%s\n' "${summary[@]}"
exit $failed
