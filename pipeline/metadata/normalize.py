"""Text normalization shared by metadata extraction, the search index and its queries.

Everything here is small, pure and deterministic: the index side (``storage/``) and the query side must
fold text exactly the same way, so these functions are the one definition of that folding.

- :func:`nfc` — Unicode NFC with OCR look-alikes repaired (``Ð`` U+00D0 → ``Đ`` U+0110, NBSP → space).
- :func:`fold` — accent folding to lowercase ASCII letters (``đ`` → ``d``), **one output character per
  input character**, so offsets found in the folded text are offsets in the original.
- :func:`canonical_number` — a matching key for document numbers (``1340/QĐ-UBND``, ``1340/qd-ubnd`` and
  ``1340 QĐ UBND`` all give ``1340/qd/ubnd``).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["canonical_number", "clean_spaces", "fold", "fold_char", "nfc"]

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

_D_MAP = {"đ": "d", "Đ": "d", "Ð": "d", "ð": "d", "Ɖ": "d", "ɖ": "d"}


def nfc(text: str) -> str:
    """Return ``text`` in NFC with look-alike characters repaired.

    Args:
        text: Any Unicode text (NFD input from macOS or PDF text layers is fine).

    Returns:
        NFC text where ``Ð``/``ð`` became ``Đ``/``đ``, exotic spaces became spaces and zero-width
        characters were removed.
    """
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).translate(_LOOKALIKES))


def fold_char(ch: str) -> str:
    """Fold one character: lowercase, diacritics removed, ``đ`` → ``d``; always exactly one character."""
    if ch in _D_MAP:
        return "d"
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


_NUMBER_PREFIX = re.compile(r"^\s*s[o06](?:\s*(?:va\s*)?ky\s*hieu)?\s*[:.]\s*|^\s*so\s+(?=\d)")
_TOKEN = re.compile(r"[0-9a-z]+")


def canonical_number(s: str) -> str | None:
    """A matching key for a document number / code (số, ký hiệu).

    Folds the text, drops a leading ``Số:`` label, splits into runs of letters and digits and joins them
    with ``/``; leading zeros of numeric runs are dropped (``06/BC`` and ``6/BC`` are one document
    number). Separators (``/``, ``-``, spaces, dots) do not matter, diacritics and case do not matter.

    Args:
        s: A number as printed or typed: ``1340/QĐ-UBND``, ``1340/qđ-ubnd``, ``1340 QĐ UBND``,
            ``Số: 195/2025/QĐ-BNG``.

    Returns:
        The key (``1340/qd/ubnd``), or None when ``s`` holds no letter or digit.
    """
    folded = fold(s)
    folded = _NUMBER_PREFIX.sub("", folded, count=1)
    tokens = _TOKEN.findall(folded)
    if not tokens:
        return None
    return "/".join(t.lstrip("0") or "0" if t.isdigit() else t for t in tokens)
