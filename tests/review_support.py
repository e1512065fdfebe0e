"""Documents flagged for review, stored and indexed the way the ingest flow does (no OCR run).

Each document has a one-page ``ocr.json`` whose words carry boxes, a page image, and extracted fields that
point at their words (page and box), so the review screen can show where a value came from.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from sohoa.model.document import AccessLevel, Document, ExtractedField, Metadata
from sohoa.model.ocr import OcrDocument, OcrPage, PageSource, Word
from storage.index import SearchIndex
from storage.objects import ARTIFACT_DOCUMENT, ARTIFACT_OCR, ObjectStore, thumbnail_name

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PAGE = (1240, 1754)
_LINE_Y0, _LINE_DY, _X0 = 150, 80, 120


@dataclass(frozen=True)
class Flagged:
    """A stored, indexed document waiting for review."""

    id: str
    document: Document
    ocr: OcrDocument


def _page_jpeg(lines: list[str]) -> bytes:
    img = Image.new("L", PAGE, 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT), 40)
    for i, line in enumerate(lines):
        draw.text((_X0, _LINE_Y0 + _LINE_DY * i), line, fill=0, font=font)
    img = img.convert("RGB")
    img.thumbnail((620, 877))
    out = io.BytesIO()
    img.save(out, format="JPEG")
    return out.getvalue()


def _line_box(i: int, text: str) -> tuple[int, int, int, int]:
    return (_X0, _LINE_Y0 + _LINE_DY * i, 24 * len(text), 48)


def add_flagged(
    store: ObjectStore,
    index: SearchIndex | None,
    key: str,
    *,
    number: str | None,
    date: str | None,
    kind: str = "Quyết định",
    issuer: str = "ỦY BAN NHÂN DÂN TỈNH LÀO CAI",
    batch: str = "lo-review",
    access: AccessLevel = AccessLevel.INTERNAL,
    reasons: list[str] | None = None,
    extra_lines: tuple[str, ...] = (),
) -> Flagged:
    """Store (and index, when ``index`` is given) a flagged document whose fields point at their lines.

    The page reads, line by line: issuer, ``Số: <number>``, ``Lào Cai, ngày dd tháng mm năm yyyy``, the type,
    then ``extra_lines`` (so the real extractor finds these values again).
    """
    dated = "ngày {2} tháng {1} năm {0}".format(*date.split("-")) if date else "ngày .... tháng .... năm ...."
    lines = [issuer, f"Số: {number or '....'}", f"Lào Cai, {dated}", kind.upper(), *extra_lines]
    original = f"original of {key} {uuid.uuid4()}".encode()
    sha = hashlib.sha256(original).hexdigest()
    words = [
        Word(text=tok, conf=80.0, box=(_X0 + 30 * j, _LINE_Y0 + _LINE_DY * i, 28, 44), line=i)
        for i, line in enumerate(lines)
        for j, tok in enumerate(line.split())
    ]
    page = OcrPage(number=1, source=PageSource.OCR, text="\n".join(lines), confidence=80.0, width=PAGE[0],
                   height=PAGE[1], words=words)  # fmt: skip
    ocr = OcrDocument(
        file_name=f"{key}.png", sha256=sha, media_type="image/png", languages="vie", pages=[page]
    )

    def field(value: object, line: int, conf: float) -> ExtractedField:
        return ExtractedField(value=value, confidence=conf, page=1, box=_line_box(line, lines[line]))

    fields = {
        "co_quan_ban_hanh": field(issuer, 0, 0.9),
        "loai_van_ban": field(kind, 3, 0.9),
    }
    if number is not None:
        fields["so_ky_hieu"] = field(number, 1, 0.55)
    if date is not None:
        fields["ngay_ban_hanh"] = field(date, 2, 0.5)
    default_reasons = [
        "so_ky_hieu: not found" if number is None else "so_ky_hieu.uncertain",
        "ngay_ban_hanh: low confidence 0.50" if date is not None else "ngay_ban_hanh.missing",
    ]
    metadata = Metadata(
        fields=fields, needs_review=True, reasons=reasons if reasons is not None else default_reasons
    )
    document = Document(
        id=sha, source_file=f"{key}.png", media_type="image/png", size=len(original), batch=batch,
        page_count=1, access_level=access, metadata=metadata,
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="sohoa-review-") as tmp:
        path = Path(tmp) / f"{key}.png"
        path.write_bytes(original)
        store.put_original(path, file_name=path.name, media_type="image/png", batch=batch)
    store.put_artifact(sha, thumbnail_name(1), _page_jpeg(lines), content_type="image/jpeg")
    store.put_json(sha, ARTIFACT_OCR, ocr)
    store.put_json(sha, ARTIFACT_DOCUMENT, document)
    if index is not None:
        index.index_document(document, ocr, refresh=True)
    return Flagged(sha, document, ocr)
