#!/usr/bin/env bash
# The one set-up command (`npm run setup`): installs everything a fresh machine of this project's
# kind needs, then builds the WASM module, the N-API addon and the TypeScript. Idempotent, and
# quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-toolchain.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies"
  npm install --no-audit --no-fund --loglevel=error
fi

npm run --silent build
echo "setup: done ($(node -e "import('./dist/index.js').then(m => console.log('default backend: ' + m.backendName()))"))"
