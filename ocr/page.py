"""One page from image to text: decode, preprocess, one Tesseract call, reading order.

Each page also carries its scan facts (:class:`~sohoa.model.ocr.PageFacts`: the scanner's resolution,
colour mode, ink, residual skew, marks along the edges, a fingerprint and any barcode), measured on the
same ~100 dpi copy the preprocessing uses, for the quality gate and splitting in ``pipeline/``.

:func:`ocr_page` runs in a worker process. It never raises for a page's own failure: the page comes back
with ``source=failed`` and the error, and the document's other pages still count.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from pathlib import Path

from PIL import Image

from ocr import preprocess as pp
from ocr._exec import poppler, tesseract
from ocr.barcodes import read_barcodes
from ocr.context import OcrContext
from ocr.crops import read_crops, write_image
from ocr.derive import write_thumbnail
from ocr.document import image_dpi, open_frame
from ocr.layout import RawWord, build_lines, drop_noise, fix_words, parse_tsv, reading_order
from ocr.searchable import put_page_image
from ocr.zone_lines import reread_lines
from ocr.zones import reread_blanks
from sohoa.errors import OcrTimeoutError, ResourceLimitError, SohoaError, error_info
from sohoa.model.ocr import OcrPage, PageError, PageFacts, PageInput, PageKind, PageSource, PageTransform

__all__ = ["failed_page", "ocr_page", "preprocess_page"]

log = logging.getLogger(__name__)

#: pages without a stored resolution are assumed to be A4 when their shape says so
_A4_INCHES = (8.27, 11.69)
#: below this OSD orientation confidence a turn is a hunch: on faded or grainy pages OSD answers 180° at
#: 2-3 for upright text as readily as for upside-down text; the turned reading must then win clearly
_OSD_SURE = 5.0
#: the turned trial may take this many times the first reading's seconds (at least _TRIAL_MIN_S): an
#: upside-down reading of noise is where a page's OCR time ran away (70-210 s)
_TRIAL_FACTOR = 3.0
_TRIAL_MIN_S = 20.0


def _guess_dpi(width: int, height: int) -> int | None:
    short, long_ = sorted((width, height))
    if 1.3 <= long_ / max(short, 1) <= 1.5:
        return round(short / _A4_INCHES[0])
    return None


def _scan_dpi(page_input: PageInput, image: Image.Image | None) -> tuple[int | None, str]:
    """The resolution the scanner delivered and where it comes from (for the quality gate).

    A file's tag is trusted when the page size it implies is a plausible sheet (3-17 inches on its short
    side); otherwise, or without a tag, the resolution is inferred from the pixels as if the page were A4
    (a 1-pixel or 10-dpi image then reads as the few dpi it really has).
    """
    if page_input.scan_dpi is not None:
        return page_input.scan_dpi, "pdf-image"
    if image is None:
        return None, "none"
    short = min(image.width, image.height)
    tag = image_dpi(image)
    if tag is not None and 3.0 <= short / tag <= 17.0:
        return tag, "tag"
    return round(short / _A4_INCHES[0]), "inferred"


class _Prepared:
    """A preprocessed page image and what was done to it.

    ``gray`` is the straightened grayscale page (shown in the searchable PDF, cropped for second reads);
    ``binary`` is what Tesseract reads when sohoa binarizes (None: Tesseract thresholds ``gray`` itself).
    """

    def __init__(self, gray: pp.Gray, dpi: int | None) -> None:
        self.gray = gray
        self.binary: pp.Gray | None = None
        self.dpi = dpi
        self.steps: dict[str, object] = {}
        self.warnings: list[str] = []
        self.timings: dict[str, float] = {}
        self.blank = False
        # the geometry the archive copy replays on the colour scan (sohoa.model.ocr.PageTransform)
        self.frame_size = (int(gray.shape[1]), int(gray.shape[0]))
        self.transforms: list[PageTransform] = []
        #: measurements for :class:`PageFacts` (quality gate and splitting)
        self.facts: dict[str, object] = {}


def _measure(page: _Prepared, small: pp.Gray) -> None:
    marks = pp.ink_marks(page.gray, small=small)
    page.facts["ink"] = round(float(marks.mean()), 5)
    page.facts["edge_ink"] = pp.edge_ink(marks)
    page.facts["fingerprint"] = pp.fingerprint(small)
    page.facts["grain"] = round(pp.grain(small), 2)
    page.facts["barcodes"] = read_barcodes(page.gray)


def preprocess_page(gray: pp.Gray, dpi: int | None, ctx: OcrContext) -> _Prepared:
    """Apply the enabled preprocessing steps to a grayscale page (no Tesseract call except OSD)."""
    page = _Prepared(gray, dpi)
    t = time.perf_counter()
    if dpi is None:
        page.dpi = _guess_dpi(gray.shape[1], gray.shape[0])
        page.steps["dpi_guessed"] = page.dpi
    if ctx.remove_borders:
        page.gray, whitened = pp.remove_borders(page.gray)
        page.steps["border_pixels_removed"] = whitened
    # one ~100 dpi copy for every measurement (it follows the page's quarter turns; a small deskew does
    # not change what the later measurements see)
    small = pp.measuring_copy(page.gray)
    if ctx.blank_detection and pp.is_blank(page.gray, small=small):
        page.blank = True
        _measure(page, small)
        page.timings["preprocess"] = time.perf_counter() - t
        return page
    if ctx.orientation and pp.text_is_vertical(page.gray, small=small):
        page.gray = pp.rotate_right_angle(page.gray, 90)
        small = pp.rotate_right_angle(small, 90)
        page.steps["rotation"] = 90
        page.transforms.append(PageTransform(op="turn", value=90))
        page.warnings.append("page was turned sideways; rotated")
    if ctx.deskew:
        angle = pp.estimate_skew(page.gray, max_angle=ctx.deskew_max_angle, small=small)
        page.steps["skew_angle"] = angle
        page.facts["skew"] = angle
        if abs(angle) >= ctx.deskew_min_angle:
            page.gray = pp.rotate(page.gray, -angle)
            page.transforms.append(PageTransform(op="rotate", value=-angle))
            small = pp.measuring_copy(page.gray)
            page.facts["residual_skew"] = pp.estimate_skew(
                page.gray, max_angle=ctx.deskew_max_angle, small=small
            )
        else:
            page.facts["residual_skew"] = angle
    _measure(page, small)
    if ctx.denoise and pp.is_noisy(page.gray):
        page.gray = pp.denoise(page.gray)
        page.steps["denoise"] = "median3"
    if page.dpi is not None and page.dpi < ctx.min_dpi:
        page.warnings.append(f"low resolution: {page.dpi} dpi (archival minimum {ctx.min_dpi}); upscaled")
        factor = min(3.0, ctx.dpi / page.dpi)
        page.gray = pp.upscale(page.gray, factor)
        page.transforms.append(PageTransform(op="scale", value=factor))
        page.steps["upscaled_from_dpi"] = page.dpi
        page.dpi = round(page.dpi * factor)
    method = ctx.binarize
    if method == "auto":
        # Otsu is what Tesseract would do itself; done here, Tesseract reads a 1-bit page (less work).
        # Shadows and faded toner are flattened first, where a global threshold would fail.
        if pp.looks_uneven(page.gray, small=small) or pp.looks_low_contrast(page.gray, small=small):
            page.gray = pp.flatten_background(page.gray)
            page.steps["binarization"] = "flatten+otsu"
        else:
            page.steps["binarization"] = "otsu"
        page.binary = pp.binarize(page.gray, "otsu")
    elif method in ("otsu", "adaptive"):
        page.binary = pp.binarize(page.gray, method)
        page.steps["binarization"] = method
    else:
        page.steps["binarization"] = "tesseract-otsu"
    page.timings["preprocess"] = round(time.perf_counter() - t, 4)
    return page


def _to_gray(image: Image.Image, ctx: OcrContext) -> tuple[pp.Gray, float | None]:
    """Grayscale of a decoded page; on colour pages with ``remove_red_seals``, red seals faded first.

    Returns the gray page and the share of pixels faded (None when the step did not apply: a gray page
    or the step switched off).
    """
    rgb = pp.rgb_of(image) if ctx.remove_red_seals else None
    if rgb is None:
        return pp.to_gray(image), None
    return pp.remove_red_seals(rgb)


def _load(
    page_input: PageInput, ctx: OcrContext, scratch: list[Path]
) -> tuple[pp.Gray, int | None, float | None, dict[str, object]]:
    path = Path(page_input.path)
    if page_input.kind is PageKind.PDF:
        raster = poppler.rasterize_page(
            path,
            page_input.index,
            dpi=page_input.dpi or ctx.dpi,
            out_dir=Path(page_input.workdir),
            timeout=ctx.page_timeout,
            grayscale=not ctx.remove_red_seals,
        )
        scratch.append(raster)
        try:
            with Image.open(raster) as image:
                image.load()
                gray, faded = _to_gray(image, ctx)
        except (OSError, ValueError) as e:
            raise SohoaError(f"page {page_input.number} of {path.name} rendered an unreadable image") from e
        scan_dpi, source = _scan_dpi(page_input, None)
        rendered: dict[str, object] = {
            "scan_dpi": scan_dpi,
            "dpi_source": source,
            "color": page_input.scan_color,
        }
        return gray, page_input.dpi or ctx.dpi, faded, rendered
    with open_frame(path, page_input.index, max_pixels=ctx.max_pixels) as image:
        gray, faded = _to_gray(image, ctx)
        scan_dpi, source = _scan_dpi(page_input, image)
        color = page_input.scan_color or pp.color_mode(image)
        facts: dict[str, object] = {"scan_dpi": scan_dpi, "dpi_source": source, "color": color}
        return gray, page_input.dpi or image_dpi(image), faded, facts


def _ocr_image(prepared: _Prepared) -> pp.Gray:
    return prepared.binary if prepared.binary is not None else prepared.gray


def _image_path(workdir: Path, name: str, *, binary: bool) -> Path:
    return workdir / f"{name}.{'pbm' if binary else 'pgm'}"


def _recognize(
    gray: pp.Gray,
    dpi: int | None,
    ctx: OcrContext,
    image_path: Path,
    pdf_base: Path | None,
) -> str:
    write_image(image_path, gray)
    try:
        return tesseract.recognize(
            image_path,
            languages=ctx.languages,
            psm=ctx.psm,
            oem=ctx.oem,
            dpi=dpi,
            timeout=ctx.page_timeout,
            pdf_base=pdf_base,
        )
    finally:
        image_path.unlink(missing_ok=True)


def _mean_conf(words: list[RawWord]) -> float:
    return sum(w.conf for w in words) / len(words) if words else 0.0


def _empty_blocks(tsv: str, words: list[RawWord]) -> list[tuple[int, int, int, int]]:
    """Boxes of layout blocks Tesseract found but read no words in (it took them for pictures)."""
    with_words = {w.block for w in words}
    boxes = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) >= 10 and cols[0] == "2" and int(cols[2]) not in with_words:
            x, y, w, h = (int(c) for c in cols[6:10])
            boxes.append((x, y, w, h))
    return boxes


def _rescue_blocks(
    gray: pp.Gray,
    dpi: int | None,
    ctx: OcrContext,
    tsv: str,
    words: list[RawWord],
    workdir: Path,
    number: int,
) -> list[RawWord]:
    """Read text inside blocks Tesseract dropped as images (a signer's name under a seal and signature).

    The blocks are read in one second, small Tesseract call; only confident, word-like results are kept.
    """
    heights = sorted(w.height for w in words) or [20]
    text_h = heights[len(heights) // 2]
    origins: list[tuple[int, int]] = []
    cuts: list[pp.Gray] = []
    for x, y, w, h in _empty_blocks(tsv, words):
        if h < 2 * text_h or w < 3 * text_h or w * h > 0.25 * gray.size:
            continue
        pad = text_h // 2
        x0, y0 = max(0, x - pad), max(0, y - pad)
        cuts.append(gray[y0 : y + h + pad, x0 : x + w + pad])
        origins.append((x0, y0))
    subs = read_crops(
        cuts,
        workdir / f"page-{number:05d}-block",
        languages=ctx.languages,
        psm=6,
        oem=ctx.oem,
        dpi=dpi,
        timeout=ctx.page_timeout,
    )
    found: list[RawWord] = []
    for (x0, y0), sub in zip(origins, subs, strict=True):
        for rw in parse_tsv(sub):
            letters = sum(c.isalnum() for c in rw.text)
            if rw.conf >= 60 and letters >= 2 and rw.height >= 0.6 * text_h:
                found.append(
                    RawWord(
                        rw.text,
                        rw.conf,
                        rw.left + x0,
                        rw.top + y0,
                        rw.width,
                        rw.height,
                        10_000 + rw.block,
                        rw.par,
                        rw.line,
                    )
                )
    return found


def _confident_words(words: list[RawWord]) -> int:
    """Words read confidently that look like words (two letters or digits): what a right way up gives."""
    return sum(1 for w in words if w.conf >= 70 and sum(c.isalnum() for c in w.text) >= 2)


def turn_wins(first: list[RawWord], turned: list[RawWord], osd_confidence: float) -> bool:
    """Whether the reading of the turned page should replace the first one.

    A sure OSD needs only a better mean confidence. A hunch (below :data:`_OSD_SURE`) needs the turned
    reading to be plainly text: at least twice the confident words of the first, and 20 of them; a few
    confident specks in the noise of an upside-down reading do not turn a page.
    """
    if _mean_conf(turned) <= _mean_conf(first):
        return False
    if osd_confidence >= _OSD_SURE:
        return True
    good, good_first = _confident_words(turned), _confident_words(first)
    return good >= 20 and good >= 2 * good_first


def _ocr(
    prepared: _Prepared, ctx: OcrContext, workdir: Path, number: int, pdf_base: Path | None
) -> tuple[str, list[RawWord]]:
    image = _ocr_image(prepared)
    image_path = _image_path(workdir, f"page-{number:05d}", binary=prepared.binary is not None)
    t = time.perf_counter()
    tsv = _recognize(image, prepared.dpi, ctx, image_path, pdf_base)
    first_s = time.perf_counter() - t
    words = parse_tsv(tsv)
    if ctx.orientation and _mean_conf(words) < ctx.orientation_retry_confidence:
        # an upside-down page reads as low-confidence noise; ask OSD before trusting it
        write_image(image_path, image)
        try:
            guess = tesseract.osd(image_path, timeout=ctx.page_timeout)
        finally:
            image_path.unlink(missing_ok=True)
        hunch = guess is not None and guess.confidence < _OSD_SURE
        if guess and guess.rotate and hunch and not words:
            # text upside down reads as many poor words, not none: nothing read is an illegible page,
            # and a second pass over its noise costs as much as the first (18 s on a faded page)
            log.info("page %d: OSD hunch %d° (%.2f) on a page with no words read: not tried",
                     number, guess.rotate, guess.confidence)  # fmt: skip
        elif guess and guess.rotate and guess.confidence >= ctx.orientation_min_confidence:
            turned = pp.rotate_right_angle(image, guess.rotate)
            # the trial's PDF goes beside the first one and replaces it only if the trial wins
            trial_base = pdf_base.with_name(f"{pdf_base.name}-turned") if pdf_base is not None else None
            budget = max(_TRIAL_MIN_S, _TRIAL_FACTOR * first_s)
            if ctx.page_timeout:
                budget = min(budget, ctx.page_timeout)
            try:
                tsv2 = _recognize(
                    turned, prepared.dpi, ctx.with_(page_timeout=budget), image_path, trial_base
                )
            except OcrTimeoutError:
                log.warning("page %d: reading it turned %d° took over %.0f s: kept as it was (OSD %.2f)",
                            number, guess.rotate, budget, guess.confidence)  # fmt: skip
                prepared.warnings.append(f"orientation trial ({guess.rotate}°) stopped after {budget:.0f} s")
                if trial_base is not None:
                    Path(f"{trial_base}.pdf").unlink(missing_ok=True)
                return tsv, words
            words2 = parse_tsv(tsv2)
            if turn_wins(words, words2, guess.confidence):
                prepared.gray = pp.rotate_right_angle(prepared.gray, guess.rotate)
                if prepared.binary is not None:
                    prepared.binary = turned
                if trial_base is not None:
                    Path(f"{trial_base}.pdf").replace(f"{pdf_base}.pdf")
                tsv, words = tsv2, words2
                prev = int(prepared.steps.get("rotation", 0))  # type: ignore[call-overload]
                prepared.steps["rotation"] = (prev + guess.rotate) % 360
                prepared.steps["osd_confidence"] = guess.confidence
                prepared.transforms.append(PageTransform(op="turn", value=guess.rotate))
                prepared.warnings.append(f"page was rotated; turned {guess.rotate}°")
            else:
                log.info("page %d: OSD said turn %d° (confidence %.2f); the turned reading did not win: kept",
                         number, guess.rotate, guess.confidence)  # fmt: skip
                if trial_base is not None:
                    Path(f"{trial_base}.pdf").unlink(missing_ok=True)
    return tsv, words


def failed_page(page_input: PageInput, error: BaseException) -> OcrPage:
    """The result of a page that could not be read: its error's type, message and advice."""
    return OcrPage(
        number=page_input.number,
        source=PageSource.FAILED,
        error=PageError(**error_info(error)),
        warnings=list(page_input.warnings),
    )


def ocr_page(
    page_input: PageInput,
    ctx: OcrContext,
    *,
    pdf_base: Path | str | None = None,
    thumbnail: Path | str | None = None,
) -> OcrPage:
    """OCR one prepared page; a failure comes back as a page with ``source=failed``.

    Args:
        page_input: from :func:`ocr.prepare_pages`.
        ctx: the OCR context.
        pdf_base: when given, Tesseract also writes this page's text-layer PDF to ``<pdf_base>.pdf``
            in the same call.
        thumbnail: when given, the page image (straightened grayscale) is also written there as a JPEG.
    """
    number = page_input.number
    if page_input.kind is PageKind.TEXT_LAYER:
        text = unicodedata.normalize("NFC", page_input.text).strip("\n")
        text = "\n".join(line.rstrip() for line in text.splitlines())
        # a scan with a text layer (an earlier OCR, a signature stamp) still has a scan to judge
        scan = (
            PageFacts(scan_dpi=page_input.scan_dpi, dpi_source="pdf-image", color=page_input.scan_color)
            if page_input.scan_dpi is not None
            else None
        )
        return OcrPage(
            number=number,
            source=PageSource.TEXT_LAYER,
            text=text,
            confidence=100.0,
            warnings=list(page_input.warnings),
            facts=scan,
        )
    if page_input.kind is PageKind.FAILED:
        return OcrPage(
            number=number,
            source=PageSource.FAILED,
            warnings=list(page_input.warnings),
            error=page_input.error,
        )
    started = time.perf_counter()
    scratch: list[Path] = []
    workdir = Path(page_input.workdir)
    try:
        t = time.perf_counter()
        gray, dpi, faded, load_facts = _load(page_input, ctx, scratch)
        load_s = time.perf_counter() - t
        for p in scratch:
            p.unlink(missing_ok=True)
        prepared = preprocess_page(gray, dpi, ctx)
        prepared.facts.update(load_facts)
        if faded is not None:
            # share of the page's pixels faded as red seal ink; 0.0 = colour page without a seal
            prepared.steps["red_seal_removed"] = faded
            prepared.facts["red_ink"] = faded
        facts = PageFacts.model_validate(prepared.facts)
        prepared.timings["load"] = round(load_s, 4)
        warnings_ = list(page_input.warnings) + prepared.warnings
        h, w = prepared.gray.shape
        if prepared.blank:
            log.info("page %d: blank, not OCR'd", number)
            if thumbnail is not None:
                write_thumbnail(prepared.gray, Path(thumbnail))
            return OcrPage(
                number=number,
                source=PageSource.BLANK,
                width=w,
                height=h,
                dpi=prepared.dpi,
                preprocessing=prepared.steps,
                timings=prepared.timings,
                warnings=[*warnings_, "blank page"],
                facts=facts,
                frame_size=prepared.frame_size,
                transforms=prepared.transforms,
            )
        t = time.perf_counter()
        base = Path(pdf_base) if pdf_base is not None else None
        noted = len(prepared.warnings)
        tsv, words = _ocr(prepared, ctx, workdir, number, base)
        warnings_ += prepared.warnings[noted:]  # a turn, or a turn not made (orientation check)
        if base is not None:
            # Tesseract wrote the text layer only; the page shows the straightened grayscale scan
            put_page_image(Path(f"{base}.pdf"), prepared.gray)
        if thumbnail is not None:
            write_thumbnail(prepared.gray, Path(thumbnail))
        if ctx.rescue_image_blocks and ctx.psm in (1, 3, 4, 11, 12):
            words += _rescue_blocks(prepared.gray, prepared.dpi, ctx, tsv, words, workdir, number)
        blanks = (
            reread_blanks(prepared.gray, prepared.dpi, words, ctx, workdir, number)
            if ctx.reread_blanks
            else []
        )
        if blanks:
            prepared.timings["blanks"] = round(sum(b.seconds for b in blanks), 4)
        if "vie" in ctx.languages.split("+"):
            words = fix_words(words)
        if ctx.drop_noise:
            kept = drop_noise(words)
            if len(kept) < len(words):
                prepared.steps["noise_words_dropped"] = len(words) - len(kept)
            words = kept
        prepared.timings["ocr"] = round(time.perf_counter() - t, 4)
        h, w = prepared.gray.shape
        if ctx.reading_order:
            segments = reading_order(words, w, h, page_input.number)
        else:
            from ocr.layout import Segment  # noqa: PLC0415 - only for the switch-off path

            groups: dict[tuple[int, int, int], list[RawWord]] = {}
            for word in words:
                groups.setdefault((word.block, word.par, word.line), []).append(word)
            segments = [Segment(g) for g in groups.values()]
        out_words, lines, text = build_lines(segments)
        t = time.perf_counter()
        rereads = (
            reread_lines(prepared.gray, lines, out_words, ctx, workdir, number) if ctx.reread_lines else []
        )
        if rereads:
            prepared.timings["rereads"] = round(time.perf_counter() - t, 4)
        conf = round(_mean_conf(words), 2)
        if words and conf < 50:
            warnings_.append(f"low OCR confidence ({conf:.0f}); check the scan")
        if not words:
            warnings_.append("no text recognized")
        prepared.timings["total"] = round(time.perf_counter() - started, 4)
        return OcrPage(
            number=number,
            source=PageSource.OCR,
            text=text,
            confidence=conf,
            width=w,
            height=h,
            dpi=prepared.dpi,
            words=out_words,
            lines=lines,
            preprocessing=prepared.steps,
            timings=prepared.timings,
            warnings=warnings_,
            facts=facts,
            frame_size=prepared.frame_size,
            transforms=prepared.transforms,
            blanks=blanks,
            rereads=rereads,
        )
    except SohoaError as e:
        log.warning("page %d failed: %s: %s", number, type(e).__name__, e.message)
        return failed_page(page_input, e)
    except MemoryError:
        log.error("page %d: out of memory (limit %d MB)", number, ctx.worker_memory_mb)
        limit = ResourceLimitError(
            f"page {number} needed more than the {ctx.worker_memory_mb} MB a worker may use"
        )
        return failed_page(page_input, limit)
    except Exception as e:  # per-page guard: one bad page must not sink the document
        log.exception("page %d failed unexpectedly", number)
        return failed_page(page_input, e)
    finally:
        for p in scratch:
            p.unlink(missing_ok=True)
