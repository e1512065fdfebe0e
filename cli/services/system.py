"""Programs sohoa runs that come from the operating system: Tesseract (vie, eng, osd) and poppler."""

from __future__ import annotations

import shutil
import subprocess

from cli.services.base import ServiceStatus

REQUIRED_LANGS = ("vie", "eng", "osd")
APT_PACKAGES = (
    "tesseract-ocr",
    "tesseract-ocr-vie",
    "tesseract-ocr-osd",
    "tesseract-ocr-eng",
    "poppler-utils",
)


def _out(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (done.stdout or "") + (done.stderr or "")


def tesseract_status() -> ServiceStatus:
    """Tesseract's version and whether the languages sohoa needs are installed."""
    if shutil.which("tesseract") is None:
        return ServiceStatus(
            "tesseract", "-", False, detail="not installed: apt-get install " + " ".join(APT_PACKAGES)
        )
    version = _out(["tesseract", "--version"]).splitlines()[0:1]
    langs = set(_out(["tesseract", "--list-langs"]).split())
    missing = [lang for lang in REQUIRED_LANGS if lang not in langs]
    detail = "languages: " + ",".join(sorted(langs & set(REQUIRED_LANGS)))
    if missing:
        detail += "; missing " + ",".join(missing) + " (apt-get install tesseract-ocr-" + missing[0] + ")"
    return ServiceStatus("tesseract", "-", not missing, version[0] if version else "?", detail)


def poppler_status() -> ServiceStatus:
    """poppler-utils (pdftoppm, pdftotext, pdfinfo)."""
    missing = [p for p in ("pdftoppm", "pdftotext", "pdfinfo") if shutil.which(p) is None]
    if missing:
        return ServiceStatus(
            "poppler", "-", False, detail="missing " + ",".join(missing) + ": apt-get install poppler-utils"
        )
    version = _out(["pdftoppm", "-v"]).splitlines()[0:1]
    return ServiceStatus("poppler", "-", True, version[0] if version else "?", "pdftoppm, pdftotext, pdfinfo")
