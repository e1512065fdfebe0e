"""Text normalization shared by metadata extraction, the search index and its queries: one definition.

Everything here is small, pure and deterministic. The index stores keys beside display values
(``so_ky_hieu_key`` beside ``so_ky_hieu``, ``loai_van_ban_key`` beside ``loai_van_ban``) and the query side
normalizes user input with the same functions, so ``1340/QD-UBND``, ``1340/qđ-ubnd`` and ``1340 QĐ UBND``
meet ``1340/QĐ-UBND``. Keys are computed in Python rather than by an Elasticsearch normalizer because the
minimal local server has neither the ``keyword`` tokenizer nor a normalizer-capable folding filter; doing it
here behaves the same on every distribution.

- :func:`nfc` — Unicode NFC with OCR look-alikes repaired (``Ð`` U+00D0 → ``Đ`` U+0110, NBSP → space).
- :func:`fold` — accent folding to lowercase (``đ`` → ``d``), **one output character per input
  character**, so offsets found in the folded text are offsets in the original.
- :func:`facet_key`, :func:`doc_number_key` — the index's filter keys.

This module imports nothing from sohoa's packages, so every layer may use it.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "TONE_MARKS",
    "clean_spaces",
    "doc_number_key",
    "facet_key",
    "fold",
    "fold_char",
    "nfc",
    "strip_tones",
]

# OCR and keyboard look-alikes of Vietnamese letters. Ð (Icelandic eth) and Đ look identical in print.
_LOOKALIKES = str.maketrans(
    {
        "\u00d0": "\u0110",  # Ð → Đ
        "\u00f0": "\u0111",  # ð → đ
        "\u0189": "\u0110",  # Ɖ → Đ
        "\u00a0": " ",  # no-break space
        "\u2007": " ",
        "\u202f": " ",
        "\u200b": "",  # zero-width space
        "\ufeff": "",
        "\u00ad": "",  # soft hyphen
    }
)

# Letters NFD does not decompose but Lucene's ASCIIFoldingFilter (the index's folding) also folds.
_FOLD_MAP = {
    "đ": "d",
    "Đ": "d",
    "Ð": "d",
    "ð": "d",
    "Ɖ": "d",
    "ɖ": "d",
    "ø": "o",
    "Ø": "o",
    "ł": "l",
    "Ł": "l",
}


def nfc(text: str) -> str:
    """Return ``text`` in NFC with look-alike characters repaired.

    Args:
        text: Any Unicode text (NFD input from macOS or PDF text layers is fine).

    Returns:
        NFC text where ``Ð``/``ð`` became ``Đ``/``đ``, exotic spaces became spaces and zero-width
        characters were removed.
    """
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).translate(_LOOKALIKES))


#: the combining marks of the five Vietnamese tones (ă â ê ô ơ ư đ carry a letter's own mark, not a tone)
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def strip_tones(text: str) -> str:
    """``text`` (NFC) without its tone marks, the letters' own marks kept: ``Tuấn`` → ``Tuân``."""
    return unicodedata.normalize(
        "NFC", "".join(c for c in unicodedata.normalize("NFD", text) if c not in TONE_MARKS)
    )


def fold_char(ch: str) -> str:
    """Fold one character: lowercase, diacritics removed, ``đ`` → ``d``; always exactly one character."""
    if ch in _FOLD_MAP:
        return _FOLD_MAP[ch]
    base = unicodedata.normalize("NFD", ch)[0]
    low = base.lower()
    return low if len(low) == 1 else base


def fold(text: str) -> str:
    """Accent-fold text for matching: NFC, then each letter to its lowercase base letter, ``đ`` → ``d``.

    The result has the same length as ``nfc(text)`` when no zero-width characters were removed, so a
    match position in the folded text is the same position in the NFC text. Characters that are not
    letters with diacritics (digits, punctuation, CJK ...) are kept, lowercased.

    Args:
        text: Any text.

    Returns:
        The folded text, e.g. ``fold("Quyết định số 1340/QĐ-UBND") == "quyet dinh so 1340/qd-ubnd"``.
    """
    return "".join(fold_char(c) for c in nfc(text))


_SPACES = re.compile(r"\s+")


def clean_spaces(text: str) -> str:
    """Collapse runs of whitespace to one space and strip the ends."""
    return _SPACES.sub(" ", text).strip()


_NON_ALNUM = re.compile(r"[^0-9A-Z]+")


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
