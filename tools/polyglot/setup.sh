#!/usr/bin/env bash
# Prepares the Python and Go callers (examples/python, examples/go) that
# test/integration/polyglot-callers.test.ts runs against our worker:
#   - a venv with examples/python/requirements.txt installed, kept in the project's binary cache
#     ($RIVYA_SORA2_CACHE_DIR, else $XDG_CACHE_HOME or ~/.cache, /rivya-sora2-temporal) under the
#     requirements' hash, so a fresh clone reuses it; examples/python/.venv is a symlink to it (a venv
#     inside the tree would be walked by `prettier --check .`, which follows no symlink);
#   - examples/go/bin/rivya-sora2-go, built with `go build` (Go's module and build caches make a rebuild cheap).
# Idempotent: a second run takes a few seconds. Missing Python or Go fails here (the test then fails
# too in CI, and skips loudly elsewhere).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
started=$(date +%s)
python="${PYTHON:-python3}"

python_dir="$root/examples/python"
cache="${RIVYA_SORA2_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rivya-sora2-temporal}"
command -v "$python" >/dev/null || { echo "python: $python not found (the Python caller needs Python >= 3.10)" >&2; exit 1; }
python_version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
requirements_hash="$(sha256sum "$python_dir/requirements.txt" | cut -c1-16)"
venv="$cache/python-caller-py$python_version-$requirements_hash"
if [ -f "$venv/.installed" ] && [ -x "$venv/bin/python" ]; then
  echo "python: $venv is up to date"
else
  rm -rf "$venv"
  mkdir -p "$cache"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$python_dir/requirements.txt"
  touch "$venv/.installed" # only a complete install is reused
  echo "python: installed requirements.txt into $venv"
fi
# An older setup made a real venv there: replaced by the link (a directory would receive the link inside it).
[ -L "$python_dir/.venv" ] || rm -rf "$python_dir/.venv"
ln -sfn "$venv" "$python_dir/.venv"
"$python_dir/.venv/bin/python" -c "import temporalio, cryptography; print('python: temporalio', temporalio.__version__, 'cryptography', cryptography.__version__)"

go_dir="$root/examples/go"
command -v go >/dev/null || { echo "go: not found (the Go caller needs Go >= 1.26)" >&2; exit 1; }
(cd "$go_dir" && go build -o bin/rivya-sora2-go .)
echo "go: built $go_dir/bin/rivya-sora2-go"
echo "polyglot setup done in $(( $(date +%s) - started ))s"
