"""Pure normalization of the keyword values the search index filters and matches on.

The index stores these keys beside the display values (``so_ky_hieu_key`` beside ``so_ky_hieu``,
``loai_van_ban_key`` beside ``loai_van_ban``) and the query side normalizes user input with the same
functions, so ``1340/QD-UBND``, ``1340/qđ-ubnd`` and ``1340 QĐ UBND`` meet ``1340/QĐ-UBND``. They are
computed here rather than by an Elasticsearch normalizer because the minimal local server has neither the
``keyword`` tokenizer nor a normalizer-capable folding filter; doing it in Python behaves the same on every
distribution.

Metadata extraction (``pipeline.metadata``) must produce values whose keys match these: it may keep its own
helpers, but a document number it extracts must give the same :func:`doc_number_key` as the printed one.
This module imports nothing from sohoa.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["doc_number_key", "facet_key", "fold", "nfc"]

_NON_ALNUM = re.compile(r"[^0-9A-Z]+")
_SPACES = re.compile(r"\s+")
# Letters that NFD does not decompose but Lucene's ASCIIFoldingFilter folds.
_EXTRA_FOLDS = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L"})


def nfc(text: str) -> str:
    """Unicode NFC, the form every text is indexed and queried in."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lowercase ASCII folding as the index's folded fields do it: ``Quyết Định`` → ``quyet dinh``.

    Args:
        text: Any text, in any Unicode normalization form.

    Returns:
        The text without diacritics (``đ``/``Đ`` → ``d``), lowercased.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA_FOLDS))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped).lower()


def facet_key(value: str) -> str:
    """The filter key of a facet value (type, issuer): folded, single-spaced, stripped.

    ``SỞ NGOẠI VỤ``, ``Sở Ngoại vụ`` and ``so ngoai vu`` share the key ``so ngoai vu``.
    """
    return _SPACES.sub(" ", fold(value)).strip()


def doc_number_key(value: str) -> str:
    """The normalized key of a document number (số, ký hiệu).

    Folds diacritics (``QĐ`` → ``QD``), uppercases, splits on anything that is not a letter or digit,
    drops leading zeros of numeric parts (``07/TB-CLS`` and ``7/TB-CLS`` are the same number) and a
    leading ``Số``, and joins the parts with ``-``.

    Args:
        value: A number as printed or typed: ``Số: 1340/QĐ-UBND``, ``1340 qđ ubnd``.

    Returns:
        The key, e.g. ``1340-QD-UBND``; an empty string when there is nothing alphanumeric.
    """
    parts = [p for p in _NON_ALNUM.split(fold(value).upper()) if p]
    if len(parts) > 1 and parts[0] == "SO" and parts[1].isdigit():
        parts = parts[1:]
    return "-".join(p.lstrip("0") or "0" if p.isdigit() else p for p in parts)
