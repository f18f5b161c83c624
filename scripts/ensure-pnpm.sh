#!/usr/bin/env bash
# Makes sure pnpm 12.4.2 (the version pinned in package.json) is on PATH; newer pnpm releases break
# installs on this kind of machine.
set -euo pipefail
want=12.4.2
if [ "$(pnpm --version 2>/dev/null || true)" != "$want" ]; then
  echo "installing pnpm $want" >&2
  npm install --global --no-fund --no-audit "pnpm@$want" >&2
fi
