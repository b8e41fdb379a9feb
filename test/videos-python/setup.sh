#!/usr/bin/env bash
# The venv for test/integration/videos-endpoint.test.ts's Python caller: the official `openai`
# package, pinned in requirements.txt. Idempotent: a no-op (~1-4 s, the version check) when the venv
# already has the pinned version; 17-56 s measured on a fresh clone.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"
started=$(date +%s)
want=$(sed -n 's/^openai==//p' "$here/requirements.txt")
if [ -x "$venv/bin/python" ] && [ "$("$venv/bin/python" -c 'import openai; print(openai.__version__)' 2>/dev/null)" = "$want" ]; then
  echo "videos-python: openai $want already in $venv"
  exit 0
fi
command -v "$python" >/dev/null || { echo "videos-python: $python not found (the Python caller test needs Python 3.9+)" >&2; exit 1; }
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
echo "videos-python: openai $want installed in $venv ($(( $(date +%s) - started ))s)"
