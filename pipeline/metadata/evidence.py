"""What a rule found and where: the bridge from matched lines to :class:`sohoa.model.document.ExtractedField`.

Confidence of a field = how well the rule matched (``score``: a labelled ``Số:`` number scores higher
than a bare pattern) × how well OCR read the words it came from (mean word confidence, mapped so
that perfect OCR costs nothing and unreadable OCR halves the score). Plain text counts as perfect OCR.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.metadata.layout import TextLine
from sohoa.model.document import ExtractedField

__all__ = ["Hit", "to_field"]


@dataclass(frozen=True)
class Hit:
    """A value with the line parts it was read from.

    Attributes:
        value: The normalized value.
        parts: ``(line, start, end)`` character ranges the value came from, in reading order.
        score: How well the rule matched, 0..1, before OCR confidence is applied.
    """

    value: Any
    parts: tuple[tuple[TextLine, int, int], ...]
    score: float

    @property
    def raw(self) -> str:
        """The text as read."""
        return " ".join(line.text[a:b] for line, a, b in self.parts)

    def ocr_conf(self) -> float | None:
        """Mean OCR confidence (0..1) of the words the value came from; None for plain text."""
        confs = [c for line, a, b in self.parts if (c := line.evidence(a, b)[1]) is not None]
        return sum(confs) / len(confs) if confs else None


def hit(value: Any, line: TextLine, start: int = 0, end: int | None = None, score: float = 0.9) -> Hit:
    """A hit from one line range."""
    return Hit(value, ((line, start, len(line.text) if end is None else end),), score)


def hits_join(value: Any, hits: list[tuple[TextLine, int, int]], score: float) -> Hit:
    """A hit spanning several line ranges."""
    return Hit(value, tuple(hits), score)


def to_field(h: Hit, page_texts: dict[int, str]) -> ExtractedField:
    """Convert a hit into the seam model, with box, page, span and confidence."""
    first, a, b = h.parts[0]
    boxes = [box for line, s, e in h.parts if line.page == first.page and (box := line.evidence(s, e)[0])]
    box = None
    if boxes:
        x0 = min(bx[0] for bx in boxes)
        y0 = min(bx[1] for bx in boxes)
        x1 = max(bx[0] + bx[2] for bx in boxes)
        y1 = max(bx[1] + bx[3] for bx in boxes)
        box = (x0, y0, x1 - x0, y1 - y0)
    conf = h.ocr_conf()
    factor = 1.0 if conf is None else 0.5 + 0.5 * min(1.0, conf / 0.95)
    span = None
    text = page_texts.get(first.page, "")
    piece = first.text[a:b]
    pos = text.find(piece) if piece else -1
    if pos >= 0:
        span = (pos, pos + len(piece))
    return ExtractedField(
        value=h.value,
        confidence=round(max(0.0, min(1.0, h.score * factor)), 3),
        page=first.page,
        box=box,
        span=span,
        raw=h.raw,
    )
