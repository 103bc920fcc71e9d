#!/usr/bin/env bash
# The contract as partners' tools read it: Redocly (recommended rules, no errors), Spectral
# (spectral:oas, no warnings), and openapi-typescript output type-checked with tsc --strict.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "node/npm missing: installing Debian's packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
fi
npm ci --no-audit --no-fund --loglevel=error
npm run --silent lint
npm run --silent types
echo "contract tools: ok"
