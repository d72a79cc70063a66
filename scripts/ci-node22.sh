#!/usr/bin/env bash
# CI, second pass: clean install and the whole suite again on Node 22, where no
# uWebSockets.js binary exists and every app runs the ws + node:http transport
# (docs/transports.md). Node comes from the npm registry (node-linux-<arch>), nothing
# else is downloaded; it is kept in .data/ so later runs skip the install.
# Usage: scripts/ci-node22.sh [major]   (default 22; 24 works the same way)
set -euo pipefail
cd "$(dirname "$0")/.."
major="${1:-22}"
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "ci-node22: no node-linux build for $(uname -m)" >&2; exit 1 ;;
esac
dir=".data/node${major}"
bin="$PWD/$dir/node_modules/node-linux-$arch/bin"
if [ ! -x "$bin/node" ]; then
  npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund "node-linux-$arch@$major"
fi
export PATH="$bin:$PATH"
echo "ci-node22: $(node --version) from $bin"
npm ci --no-audit --no-fund
npm test
