"""The scan inside a PDF page: when a page is nothing but one upright JPEG, use that JPEG as it is.

Scanners write most PDFs this way. Decoding the JPEG is several times cheaper than rendering the page with
poppler and gives the same pixels at the scan's own resolution. Anything else on the page (vector marks,
visible text, a mask, a rotation or flip, an unusual colour space) and the page is rendered as usual.
"""

from __future__ import annotations

import logging
from typing import Any

import pypdf
from pypdf.generic import ContentStream

__all__ = ["embedded_jpeg", "scan_image"]

log = logging.getLogger(__name__)

# Operators of a page that only places an image (and, optionally, an invisible OCR text layer).
_PLACEMENT = {b"q", b"Q", b"cm", b"Do", b"gs"}
_TEXT = {b"BT", b"ET", b"Tf", b"Td", b"TD", b"Tm", b"T*", b"Tj", b"TJ", b"'", b'"', b"Tr", b"Tz", b"TL"}
_TEXT |= {b"Tc", b"Tw", b"Ts", b"rg", b"g", b"k", b"RG", b"G", b"K", b"cs", b"sc", b"scn"}
_COLOUR_SPACES = {"/DeviceGray": 1, "/DeviceRGB": 3}


def _components(space: Any) -> int | None:
    space = space.get_object() if hasattr(space, "get_object") else space
    if isinstance(space, str):
        return _COLOUR_SPACES.get(space)
    if isinstance(space, list) and len(space) == 2 and space[0] == "/ICCBased":
        n = space[1].get_object().get("/N")
        return int(n) if n in (1, 3) else None
    return None


def _multiply(m: list[float], n: list[float]) -> list[float]:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return [
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    ]


def _drawn_upright(page: pypdf.PageObject, name: str, invisible_text: bool) -> bool:
    """True when the content stream draws image ``name`` once, unrotated and unflipped, and nothing else."""
    ctm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    stack: list[list[float]] = []
    drawn = 0
    for operands, op in ContentStream(page.get_contents(), page.pdf).operations:
        if op == b"q":
            stack.append(ctm)
        elif op == b"Q":
            ctm = stack.pop() if stack else ctm
        elif op == b"cm":
            ctm = _multiply([float(x) for x in operands], ctm)
        elif op == b"Do":
            a, b, c, d, _, _ = ctm
            if operands[0] != name or b != 0 or c != 0 or a <= 0 or d <= 0:
                return False
            drawn += 1
        elif op in _PLACEMENT or (invisible_text and op in _TEXT):
            continue
        else:
            return False
    return drawn == 1


def embedded_jpeg(page: pypdf.PageObject, *, invisible_text: bool = False) -> bytes | None:
    """The JPEG bytes of a page that is exactly one upright 8-bit gray or RGB JPEG, else None.

    Args:
        page: a page whose single image fills it (see ``ocr.document``).
        invisible_text: the page's only text is an invisible OCR layer (ignored: it is re-OCR'd).
    """
    try:
        if (page.get("/Rotate", 0) or 0) % 360:
            return None
        resources: Any = page["/Resources"].get_object()
        xobjects: Any = resources.get("/XObject")
        items = list(xobjects.get_object().items()) if xobjects else []
        if len(items) != 1:
            return None
        name, ref = items[0]
        image = ref.get_object()
        filters = image.get("/Filter")
        filters = [filters] if isinstance(filters, str) else list(filters or [])
        if (
            image.get("/Subtype") != "/Image"
            or filters != ["/DCTDecode"]
            or image.get("/BitsPerComponent") != 8
            or _components(image.get("/ColorSpace")) is None
            or any(key in image for key in ("/SMask", "/Mask", "/Decode", "/ImageMask"))
            or not _drawn_upright(page, str(name), invisible_text)
        ):
            return None
        data = image.get_data()  # DCTDecode is not decoded by pypdf: these are the JPEG's own bytes
    except Exception:  # anything unexpected: render the page instead
        log.debug("page image not usable as is", exc_info=True)
        return None
    return bytes(data) if data[:2] == b"\xff\xd8" else None


def _colour_of(image: Any) -> str | None:
    if image.get("/ImageMask") or image.get("/BitsPerComponent") == 1:
        return "bilevel"
    space = image.get("/ColorSpace")
    space = space.get_object() if hasattr(space, "get_object") else space
    if isinstance(space, list) and space and space[0] == "/Indexed":
        return "color"
    if space in ("/DeviceCMYK", "/DeviceRGB"):
        return "color"
    n = _components(space)
    return {1: "gray", 3: "color"}.get(n) if n else None


def scan_image(page: pypdf.PageObject) -> tuple[int | None, str | None]:
    """Resolution and colour (bilevel, gray, color) of the largest image of a page when it is the scan.

    The scan is the image with the most pixels, shaped like the page (within 10%); small overlays such
    as a digital-signature stamp are ignored. (None, None) when the page holds no such image (born
    digital, or a layout of several pictures).
    """
    try:
        resources: Any = page["/Resources"].get_object()
        xobjects: Any = resources.get("/XObject")
        images = [x.get_object() for x in (xobjects.get_object().values() if xobjects else [])]
        images = [x for x in images if x.get("/Subtype") == "/Image"]
        if not images:
            return None, None
        image = max(images, key=lambda x: int(x["/Width"]) * int(x["/Height"]))
        width, height = int(image["/Width"]), int(image["/Height"])
        page_w, page_h = float(page.mediabox.width) / 72, float(page.mediabox.height) / 72
        if (page.get("/Rotate", 0) or 0) % 180 == 90:
            page_w, page_h = page_h, page_w
        if page_w <= 0 or page_h <= 0:
            return None, None
        if (
            abs((width / height) / (page_w / page_h) - 1.0) > 0.1
            and abs((height / width) / (page_w / page_h) - 1.0) > 0.1
        ):
            return None, None
        short_px, short_in = min(width, height), min(page_w, page_h)
        return round(short_px / short_in), _colour_of(image)
    except Exception:  # a page pypdf cannot describe: no scan facts, the page is still OCR'd
        log.debug("page image not described", exc_info=True)
        return None, None
