#!/usr/bin/env bash
# The one set-up command (`npm run setup`): installs everything a fresh machine of this project's
# kind needs, then builds the WASM module, the N-API addon and the TypeScript. Idempotent, and
# quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-toolchain.sh

if [ ! -d node_modules ]; then
  echo "setup: installing npm dependencies (npm ci: exactly the committed lockfile)"
  npm ci --no-audit --no-fund --loglevel=error
elif [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: updating npm dependencies"
  npm install --no-audit --no-fund --loglevel=error
fi

# moto's server: the SQS/SNS-compatible server the integration tests start on loopback (and
# `trace-lineage demo --endpoint` can use), in a venv of its own under the repo.
MOTO='moto[server]==5.2.5'
if ! .venv/bin/python -c 'import moto, sys; sys.exit(moto.__version__ != "5.2.5")' 2>/dev/null; then
  echo "setup: installing $MOTO into .venv"
  rm -rf .venv
  if ! python3 -m venv .venv 2>/dev/null; then
    rm -rf .venv
    apt-get install -y -qq python3-venv
    python3 -m venv .venv
  fi
  .venv/bin/pip install --quiet --disable-pip-version-check "$MOTO"
fi

# Chromium for test/package/browser.test.ts: Debian's build, driven by the npm package playwright-core
# (which downloads no browser of its own).
if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q 'install ok installed'; then
  echo "setup: installing Debian's chromium (the browser test)"
  sudo=()
  [[ $EUID -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

npm run --silent build
echo "setup: done ($(node -e "import('./dist/index.js').then(m => console.log('default backend: ' + m.backendName()))"))"
