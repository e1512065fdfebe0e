"""Page-image preprocessing with OpenCV: small, pure functions on 8-bit grayscale numpy arrays.

Each step is switchable through :class:`ocr.context.OcrContext` and reports what it did, so a reviewer
can see why a page reads the way it does. Nothing here calls Tesseract (orientation via OSD lives in
``ocr.page``); nothing writes files.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

__all__ = [
    "Gray",
    "binarize",
    "clear_rules",
    "color_mode",
    "edge_ink",
    "estimate_skew",
    "fingerprint",
    "grain",
    "ink_marks",
    "flatten_background",
    "is_blank",
    "is_noisy",
    "noise_level",
    "red_ink_mask",
    "remove_red_seals",
    "rgb_of",
    "denoise",
    "looks_low_contrast",
    "looks_uneven",
    "measuring_copy",
    "remove_borders",
    "rotate",
    "rotate_right_angle",
    "text_is_vertical",
    "to_gray",
    "upscale",
]

#: an 8-bit grayscale page (uint8); typed loosely because OpenCV's stubs return generic arrays
Gray = NDArray[Any]

#: working width for measurements (skew, blank, orientation): about 100 dpi for an A4 page
_MEASURE_WIDTH = 1000


def to_gray(image: Image.Image) -> Gray:
    """8-bit grayscale of any PIL image; transparency is composited on white."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(image, dtype=np.float64)
        hi = arr.max() or 1.0
        return (arr * (255.0 / hi)).astype(np.uint8)
    # np.array copies once into a writable array; converting an "L" page again would copy twice more
    return np.array(image if image.mode == "L" else image.convert("L"), dtype=np.uint8)


def rgb_of(image: Image.Image) -> NDArray[Any] | None:
    """The page as an RGB array when it is a colour image, else None (gray, bilevel, 16-bit pages)."""
    if image.mode in ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"):
        return None
    if image.mode == "P" and image.palette is not None and image.palette.mode not in ("RGB", "RGBA"):
        return None
    if image.mode in ("RGBA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return np.asarray(image if image.mode == "RGB" else image.convert("RGB"), dtype=np.uint8)


def _red_hsv(rgb: NDArray[Any], min_saturation: int) -> tuple[NDArray[np.bool_], NDArray[Any]]:
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    # OpenCV hue is 0-179: red wraps around 0, pink/magenta sits at 140-170
    red = ((hue <= 12) | (hue >= 140)) & (sat >= min_saturation) & (val >= 110)
    return red, sat


def red_ink_mask(rgb: NDArray[Any], *, min_saturation: int = 60) -> NDArray[np.bool_]:
    """Pixels of red/pink ink: red or magenta hue, saturated, not dark (black text stays out)."""
    return _red_hsv(rgb, min_saturation)[0]


def remove_red_seals(
    rgb: NDArray[Any], *, min_size: float = 0.06, max_aspect: float = 2.0
) -> tuple[Gray, float]:
    """Grayscale of a colour page with red seals (round or square stamps) faded to paper.

    A red seal printed over the signer block hides the signer's name and breaks line finding. Red ink is
    bright in the red channel, so inside a seal's box each red pixel takes the brightest of its channels;
    black text under the seal is dark in every channel and is kept. Red marks shaped like a text line (an
    urgency box such as ``HỎA TỐC``, red headings) are printed text and keep their ordinary gray. A page
    without colour comes back as its plain grayscale.

    Args:
        rgb: the page, 8-bit RGB.
        min_size: a seal's smaller side as a share of the page width (about 1.2 cm on A4).
        max_aspect: a seal's box is at most this elongated.

    Returns:
        The grayscale page and the share of its pixels that were faded (0.0: no seal found).
    """
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    # a gray page stored as RGB has no colour at all: skip the rest cheaply
    sample = rgb[::8, ::8].astype(np.int16)
    if int((sample.max(axis=2) - sample.min(axis=2)).max()) < 40:
        return gray, 0.0
    # most colour pages carry no red ink at all: look at every 4th pixel before converting the page
    if float(red_ink_mask(np.ascontiguousarray(rgb[::4, ::4])).mean()) < 1e-4:
        return gray, 0.0
    loose, sat = _red_hsv(rgb, 25)
    strong = loose & (sat >= 60)
    width = rgb.shape[1]
    # join a seal's ring, star and lettering into one blob
    k = max(3, int(0.012 * width)) | 1
    blobs = cv2.dilate(strong.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
    inside = np.zeros(strong.shape, dtype=bool)
    for x, y, w, h, _area in stats[1:count]:
        if min(w, h) >= min_size * width and max(w, h) <= max_aspect * min(w, h):
            inside[y : y + h, x : x + w] = True
    if not inside.any():
        return gray, 0.0
    # the seal's anti-aliased, less saturated fringe goes too, but only inside a seal's box
    fade = inside & loose
    out = gray.copy()
    # red ink is bright in its red channel; pull that brightness further towards the paper so the
    # binarizer drops it (black text under the seal is dark in every channel and never selected)
    paper = float(np.percentile(gray[::8, ::8], 90))
    bright = rgb[fade].max(axis=1).astype(np.float32)
    out[fade] = np.clip(paper - 0.3 * np.maximum(paper - bright, 0.0), 0, 255).astype(np.uint8)
    return out, round(float(fade.mean()), 5)


def _percentile_u8(gray: Gray, q: float) -> float:
    """``np.percentile(gray, q)`` of an 8-bit image from its histogram: same value, no full sort."""
    n = gray.size
    cum = np.cumsum(cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel().astype(np.int64))
    index = (n - 1) * (q / 100.0)
    below = math.floor(index)
    a = float(np.searchsorted(cum, below + 1))
    b = float(np.searchsorted(cum, min(below + 1, n - 1) + 1))
    t = index - below
    # numpy's linear interpolation, rounded the same way
    return b - (b - a) * (1.0 - t) if t >= 0.5 else a + (b - a) * t


def measuring_copy(gray: Gray) -> Gray:
    """The ~100 dpi copy the measurements work on; pass it as ``small=`` to measure several times."""
    scale = min(1.0, _MEASURE_WIDTH / gray.shape[1])
    if scale >= 1.0:
        return gray
    size = (round(gray.shape[1] * scale), round(gray.shape[0] * scale))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


def _small(gray: Gray, small: Gray | None = None) -> tuple[Gray, float]:
    small = measuring_copy(gray) if small is None else small
    return small, small.shape[1] / gray.shape[1]


def _ink(gray: Gray) -> NDArray[np.bool_]:
    """Dark (ink) pixels by Otsu, or none when the page has no contrast at all."""
    if int(gray.max()) - int(gray.min()) < 24:
        return np.zeros(gray.shape, dtype=bool)
    thresh, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return gray < thresh


#: gray levels a scanner border is darker than the paper at least (a shadow on a faint page is less)
_BORDER_CONTRAST = 80


def remove_borders(gray: Gray, *, dark_fraction: float = 0.5, max_fraction: float = 0.08) -> tuple[Gray, int]:
    """Whiten dark scanner edges (rows/columns from each side that are mostly dark).

    Returns the image and the number of border pixels whitened. Only the outer ``max_fraction`` of each
    side is examined, so text near the margin is never touched.
    """
    ink = _ink(gray)
    h, w = gray.shape
    out = gray
    whitened = 0

    def edge_run(profile: NDArray[np.float64]) -> int:
        limit = max(1, int(len(profile) * max_fraction))
        n = 0
        while n < limit and profile[n] > dark_fraction:
            n += 1
        # also eat the thin grey fringe next to the dark edge
        return n + (max(1, n // 10) if n else 0)

    rows, cols = ink.mean(axis=1), ink.mean(axis=0)
    top, bottom = edge_run(rows), edge_run(rows[::-1])
    left, right = edge_run(cols), edge_run(cols[::-1])
    paper = int(_percentile_u8(gray, 90)) if top or bottom or left or right else 255

    def border(strip: Gray) -> bool:
        # a scanner's edge is far darker than the paper; a shadow over a faint page is only a little
        # darker, and Otsu calls all of it ink (whitening it would wipe the header under the shadow)
        return strip.size > 0 and float(np.median(strip)) < paper - _BORDER_CONTRAST

    top = top if border(gray[:top]) else 0
    bottom = bottom if border(gray[h - bottom :]) else 0
    left = left if border(gray[:, :left]) else 0
    right = right if border(gray[:, w - right :]) else 0
    if top or bottom or left or right:
        out = gray.copy()
        if top:
            out[:top] = paper
        if bottom:
            out[h - bottom :] = paper
        if left:
            out[:, :left] = paper
        if right:
            out[:, w - right :] = paper
        whitened = (top + bottom) * w + (left + right) * h
    return out, whitened


def is_blank(gray: Gray, *, min_ink: float = 0.0015, small: Gray | None = None) -> bool:
    """True when the page carries no text-like marks (speckle, paper grain and shading do not count).

    Ink is measured against the *local* paper brightness, so a shadowed or grey sheet with faint text is
    not mistaken for an empty one.
    """
    # a blank sheet may keep a few marks (a punch hole, a smudge): count only sizeable inked area
    return float(ink_marks(gray, small=small).mean()) < min_ink


def ink_marks(gray: Gray, *, small: Gray | None = None) -> NDArray[np.uint8]:
    """Marks (1) on the ~100 dpi copy: pixels clearly darker than the local paper, specks removed.

    Ink is measured against the *local* paper brightness, so shading and paper grain are not marks.
    """
    small, _ = _small(gray, small)
    paper = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15)))
    paper = cv2.blur(paper, (31, 31))
    depth = paper.astype(np.int16) - small.astype(np.int16)
    dark = (depth > max(30.0, 6.0 * 1.4826 * grain(small))).astype(np.uint8)
    opened = cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8)).astype(np.uint8)
    return opened


def grain(small: Gray) -> float:
    """Pixel noise: the median deviation of each pixel from its 3x3 median (paper ~1-3, pure noise ~50)."""
    return float(np.median(np.abs(small.astype(np.int16) - cv2.medianBlur(small, 3).astype(np.int16))))


def edge_ink(
    marks: NDArray[np.uint8], *, band: float = 0.004, max_piece: float = 0.05
) -> tuple[float, float, float, float]:
    """Share of each edge (top, right, bottom, left) touched by glyph-sized marks in its outer ``band``.

    Text cut by the scanner's edge leaves glyph pieces all along that edge; a page with margins leaves
    none. Marks longer than ``max_piece`` of the page in either direction (a scanner's shadow line, a
    dark wedge left by a skewed feed) are not text and do not count.
    """
    h, w = marks.shape
    count, labels, stats, _ = cv2.connectedComponentsWithStats(marks, connectivity=8)
    if count <= 1:
        return (0.0, 0.0, 0.0, 0.0)
    glyph = np.zeros(count, dtype=bool)
    glyph[1:] = (stats[1:, cv2.CC_STAT_WIDTH] <= max_piece * w) & (
        stats[1:, cv2.CC_STAT_HEIGHT] <= max_piece * h
    )
    by, bx = max(2, round(band * h)), max(2, round(band * w))
    top = glyph[labels[:by]].any(axis=0).mean()
    bottom = glyph[labels[h - by :]].any(axis=0).mean()
    left = glyph[labels[:, :bx]].any(axis=1).mean()
    right = glyph[labels[:, w - bx :]].any(axis=1).mean()
    return (round(float(top), 4), round(float(right), 4), round(float(bottom), 4), round(float(left), 4))


def fingerprint(gray: Gray) -> str:
    """64-bit difference hash (dHash) of a page: near-identical scans of one sheet differ in a few bits."""
    tiny = cv2.resize(gray, (9, 8), interpolation=cv2.INTER_AREA).astype(np.int16)
    bits = (tiny[:, 1:] > tiny[:, :-1]).ravel()
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def color_mode(image: Image.Image) -> str:
    """How a decoded page was scanned: ``bilevel`` (black and white), ``gray`` or ``color``.

    A colour file whose pixels carry no colour (a gray scan saved as RGB) counts as gray, and a gray file
    whose pixels are nearly all black or white (a thresholded scan) as bilevel.
    """
    if image.mode == "1":
        return "bilevel"
    rgb = rgb_of(image)
    if rgb is not None:
        sample = rgb[::4, ::4].astype(np.int16)
        spread = sample.max(axis=2) - sample.min(axis=2)
        # tinted paper and a colour scanner's noise, or a few clearly coloured marks (a seal, a signature)
        if float(np.percentile(spread, 99.5)) >= 12 or float((spread >= 40).mean()) >= 0.0005:
            return "color"
        gray = cv2.cvtColor(np.ascontiguousarray(rgb[::4, ::4]), cv2.COLOR_RGB2GRAY)
    else:
        gray = to_gray(image)[::4, ::4]
    between = float(((gray > 24) & (gray < 232)).mean())
    return "bilevel" if between < 0.005 else "gray"


def _ink_points(
    gray: Gray, small: Gray | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    small, scale = _small(gray, small)
    ink = _ink(small)
    # drop big blobs' interiors (photos, black bars) by keeping thin strokes only
    ys, xs = np.nonzero(ink)
    step = max(1, len(xs) // 150_000)
    return xs[::step].astype(np.float64), ys[::step].astype(np.float64), scale


def _sharpness(xs: NDArray[np.float64], ys: NDArray[np.float64], angle: float, height: int) -> float:
    a = math.radians(angle)
    proj = ys * math.cos(a) - xs * math.sin(a)
    hist = np.bincount((proj - proj.min()).astype(np.int64), minlength=height)
    return float(np.dot(hist, hist))


def estimate_skew(gray: Gray, *, max_angle: float = 6.0, small: Gray | None = None) -> float:
    """Skew of the text lines in degrees (positive = turned counter-clockwise); 0.0 if not measurable.

    ``rotate(gray, -angle)`` straightens the page.

    Projection-profile search over ink pixels of a ~100 dpi copy: coarse 0.5° steps, then 0.05° steps.
    """
    xs, ys, _ = _ink_points(gray, small)
    if len(xs) < 200:
        return 0.0
    height = int(ys.max() + xs.max()) + 2

    def best(candidates: NDArray[np.float64]) -> float:
        scores = [_sharpness(xs, ys, float(a), height) for a in candidates]
        return float(candidates[int(np.argmax(scores))])

    coarse = best(np.arange(-max_angle, max_angle + 0.001, 0.5))
    fine = best(np.arange(coarse - 0.5, coarse + 0.501, 0.05))
    return round(-fine, 2) + 0.0


def rotate(gray: Gray, angle: float) -> Gray:
    """Rotate ``angle`` degrees counter-clockwise about the centre; same size, paper-coloured fill."""
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    paper = int(np.percentile(gray[:: max(1, h // 200), :: max(1, w // 200)], 90))
    return cv2.warpAffine(
        gray, matrix, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=paper
    )


def rotate_right_angle(gray: Gray, clockwise_degrees: int) -> Gray:
    """Rotate by a multiple of 90° clockwise."""
    turns = (clockwise_degrees // 90) % 4
    codes = {1: cv2.ROTATE_90_CLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return gray if turns == 0 else cv2.rotate(gray, codes[turns])


def text_is_vertical(gray: Gray, *, small: Gray | None = None) -> bool:
    """True when text lines run top-to-bottom (page turned by 90° or 270°), from projection profiles."""
    xs, ys, _ = _ink_points(gray, small)
    if len(xs) < 500:
        return False
    rows = _sharpness(xs, ys, 0.0, int(ys.max()) + 2) / len(xs) ** 2 * (ys.max() + 1)
    cols = _sharpness(ys, xs, 0.0, int(xs.max()) + 2) / len(xs) ** 2 * (xs.max() + 1)
    return cols > 1.3 * rows


def looks_uneven(gray: Gray, *, small: Gray | None = None) -> bool:
    """True when the paper brightness varies across the page (shadows, uneven illumination)."""
    small, _ = _small(gray, small)
    tiles = [t for band in np.array_split(small, 6, axis=0) for t in np.array_split(band, 4, axis=1)]
    papers = np.array([_percentile_u8(t, 90) for t in tiles])
    return float(papers.max() - papers.min()) > 40.0


def looks_low_contrast(gray: Gray, *, small: Gray | None = None) -> bool:
    """True when ink and paper are close (faded toner, grey paper)."""
    small, _ = _small(gray, small)
    return _percentile_u8(small, 99.5) - _percentile_u8(small, 0.5) < 110.0


def flatten_background(gray: Gray) -> Gray:
    """Divide by an estimate of the paper brightness, then stretch: uneven light and faded toner fixed."""
    small, scale = _small(gray)
    k = max(15, int(31 * scale / 0.3) | 1)
    paper = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    # the paper's light is smooth: blurred on a quarter-size copy (a sigma of ~30 px costs 50x more)
    quarter = (max(1, small.shape[1] // 4), max(1, small.shape[0] // 4))
    paper = cv2.GaussianBlur(cv2.resize(paper, quarter, interpolation=cv2.INTER_AREA), (0, 0), k / 8)
    paper = cv2.resize(paper, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    # in 8 bits (gray / paper x 255, saturated) and a lookup table: a tenth of the float version's CPU
    flat = cv2.divide(gray, np.maximum(paper, 1), scale=255.0)
    lo = _percentile_u8(np.ascontiguousarray(flat[::4, ::4]), 0.5)
    levels = (np.arange(256, dtype=np.float32) - lo) / max(1e-3, 255.0 - lo) * 255.0
    return cv2.LUT(flat, np.clip(levels, 0, 255).astype(np.uint8))


def binarize(gray: Gray, method: str) -> Gray:
    """Black/white image by ``otsu`` (global) or ``adaptive`` (local Gaussian mean)."""
    if method == "otsu":
        _, out = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        return out
    if method == "adaptive":
        block = max(31, (gray.shape[1] // 40) | 1)
        return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 15)
    raise ValueError(f"unknown binarization method: {method}")


def clear_rules(gray: Gray, length: int) -> Gray:
    """The image with its straight horizontal strokes of ``length`` pixels or more painted paper-white.

    A stamp's frame or a ruled line drawn across printed words (a receipt stamp's top edge through a
    subject line) joins their letters into one shape that Tesseract drops. No stroke of a letter is that
    long when ``length`` is a few text heights, so only the rule goes; the sliver where it crossed a
    letter goes with it, which costs the reader less than the rule did.
    """
    ink = (binarize(gray, "otsu") < 128).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, length), 1))
    rules = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)
    if not rules.any():
        return gray
    # a scanned rule's edges are ragged: the ink a pixel above or below it is the rule's, not a letter's
    near = cv2.dilate(rules, np.ones((3, 5), np.uint8)) > 0
    out = gray.copy()
    out[near & (ink > 0)] = 255
    return out


def noise_level(gray: Gray) -> tuple[float, float]:
    """(sigma of the paper's grain, share of isolated dark specks), measured at full resolution."""
    h, w = gray.shape
    crop = gray[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4]
    smooth = cv2.GaussianBlur(crop, (0, 0), 2.0)
    paper = _percentile_u8(smooth, 90)
    flat = smooth > paper - 12
    resid = crop.astype(np.float32) - smooth.astype(np.float32)
    sigma = float(resid[flat].std()) if flat.any() else 0.0
    med = cv2.medianBlur(crop, 3)
    specks = (crop.astype(np.int16) < paper - 100) & (med.astype(np.int16) > paper - 30)
    return sigma, float(specks.mean())


def is_noisy(gray: Gray) -> bool:
    """True when the paper carries heavy grain or salt-and-pepper worth a median filter."""
    sigma, specks = noise_level(gray)
    return sigma > 10.0 or specks > 0.008


def denoise(gray: Gray) -> Gray:
    """3x3 median filter: removes speckle, keeps strokes and diacritics at 200-300 dpi."""
    return cv2.medianBlur(gray, 3)


def upscale(gray: Gray, factor: float) -> Gray:
    """Enlarge a low-resolution scan (Tesseract wants ~20 px x-height)."""
    size = (round(gray.shape[1] * factor), round(gray.shape[0] * factor))
    return cv2.resize(gray, size, interpolation=cv2.INTER_CUBIC)
