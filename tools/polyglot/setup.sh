#!/usr/bin/env bash
# Prepares the Python and Go callers (examples/python, examples/go) that
# test/integration/polyglot-callers.test.ts runs against our worker:
#   - examples/python/.venv with requirements.txt installed (skipped while the file's hash is unchanged);
#   - examples/go/bin/rivya-sora2-go built with `go build` (Go's module and build caches make a rebuild cheap).
# Idempotent and cache-friendly: a second run takes a second or two. Run from anywhere.
# Missing Python or Go fails here (the test then fails too in CI, and skips loudly elsewhere).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
started=$(date +%s)
python="${PYTHON:-python3}"

python_dir="$root/examples/python"
venv="$python_dir/.venv"
stamp="$venv/.requirements.sha256"
wanted="$(sha256sum "$python_dir/requirements.txt" | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
  echo "python: $venv is up to date"
else
  command -v "$python" >/dev/null || { echo "python: $python not found (the Python caller needs Python >= 3.10)" >&2; exit 1; }
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$python_dir/requirements.txt"
  echo "$wanted" > "$stamp"
  echo "python: installed requirements.txt into $venv"
fi
"$venv/bin/python" -c "import temporalio, cryptography; print('python:', 'temporalio', temporalio.__version__ if hasattr(temporalio, '__version__') else '', 'cryptography', cryptography.__version__)"

go_dir="$root/examples/go"
command -v go >/dev/null || { echo "go: not found (the Go caller needs Go >= 1.26)" >&2; exit 1; }
(cd "$go_dir" && go build -o bin/rivya-sora2-go .)
echo "go: built $go_dir/bin/rivya-sora2-go"
echo "polyglot setup done in $(( $(date +%s) - started ))s"
