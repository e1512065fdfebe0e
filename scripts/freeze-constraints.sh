#!/usr/bin/env bash
# Writes scripts/constraints.txt and scripts/constraints-eark.txt: the exact versions of .venv and
# .venv-eark, after `make test` has passed with them.
# bootstrap.sh installs under these constraints, so a fresh checkout gets the versions the suite passed
# with, not whatever was released since (cryptography 51 broke the suite's collection that way).
# Refresh it on purpose: upgrade, run `make test`, then run this and commit the diff.
set -euo pipefail
cd "$(dirname "$0")/.."
{
  echo "# Versions the whole suite passed with ($(date -u +%Y-%m-%d), $(.venv/bin/python --version))."
  echo "# Written by scripts/freeze-constraints.sh; bootstrap.sh and the Dockerfile install under it."
  .venv/bin/python -m pip freeze --exclude-editable
} > scripts/constraints.txt
{
  echo "# Versions of .venv-eark (eark-validator) the whole suite passed with ($(date -u +%Y-%m-%d))."
  echo "# Written by scripts/freeze-constraints.sh; bootstrap.sh installs .venv-eark under it."
  .venv-eark/bin/python -m pip freeze
} > scripts/constraints-eark.txt
