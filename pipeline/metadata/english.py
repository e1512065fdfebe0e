"""Fields of English documents (letters, notes verbales, certificates).

Reference number (``Ref:``, ``Our ref.``, ``No.``), date in the common formats (``3 March 2023``,
``March 3, 2023``, ``2023-03-03``, ``03/03/2023`` read day-first), title (``Subject:``/``Re:`` or the
first heading in capitals) and issuing organization (the letterhead line naming a ministry, embassy,
department ...).
"""

from __future__ import annotations

import datetime as dt
import re

from pipeline.metadata.evidence import Hit, hit
from pipeline.metadata.header import valid_date
from pipeline.metadata.layout import TextLine
from pipeline.metadata.normalize import clean_spaces

__all__ = ["find_english", "is_english"]

_EN_WORDS = {"the", "of", "and", "to", "in", "for", "is", "on", "that", "with", "by", "this", "we", "be",
             "are", "from", "as", "at", "our", "your", "has", "have", "will", "please", "dear"}  # fmt: skip
_VI_MARKS = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I)


def is_english(text: str) -> bool:
    """True when the text reads as English rather than Vietnamese (stop words vs. Vietnamese letters)."""
    words = re.findall(r"[A-Za-zÀ-ỹĐđ]+", text)
    if len(words) < 5:
        return False
    en = sum(w.lower() in _EN_WORDS for w in words) / len(words)
    vi = len(_VI_MARKS.findall(text)) / max(1, sum(len(w) for w in words))
    return en > 0.08 and vi < 0.02


_MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"])}  # fmt: skip
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MON = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATES = (
    (re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MON + r",?\s+(\d{4})\b", re.I), "dmy"),
    (re.compile(r"\b" + _MON + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.I), "mdy"),
    (re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), "iso"),
    (re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b"), "num"),
)


def parse_english_date(text: str) -> tuple[dt.date, int, int] | None:
    """The first valid date in ``text`` with its offsets; numeric dates are read day-first."""
    best = None
    for pattern, kind in _DATES:
        for m in pattern.finditer(text):
            g = m.groups()
            if kind == "dmy":
                d, mo, y = int(g[0]), _MONTHS[g[1].lower()[:3]], int(g[2])
            elif kind == "mdy":
                d, mo, y = int(g[1]), _MONTHS[g[0].lower()[:3]], int(g[2])
            elif kind == "iso":
                y, mo, d = int(g[0]), int(g[1]), int(g[2])
            else:
                d, mo, y = int(g[0]), int(g[1]), int(g[2])
                if mo > 12 >= d:
                    d, mo = mo, d  # 03/25/2023 can only be month-first
            date = valid_date(d, mo, y)
            if date is not None and (best is None or m.start() < best[1]):
                best = (date, m.start(), m.end())
            if date is not None:
                break
    return best


_REF = re.compile(
    r"\b(?:our\s+ref(?:erence)?|ref(?:erence)?(?:\s+no)?|no|number)\s*[.:#]*\s*([A-Z0-9][\w./\-]*\d[\w./\-]*|\d[\w./\-]*)",
    re.I,
)
_SUBJECT = re.compile(r"^\s*(?:subject|re|title|concerning)\s*[:.]\s*(.+)$", re.I)
_ORG = re.compile(
    r"\b(ministry|embassy|consulate|department|office|committee|council|agency|bureau|authority|institute|"
    r"university|organi[sz]ation|association|commission|corporation|company|ltd|inc|bank|court|"
    r"government|people'?s committee|mission|secretariat|directorate)\b",
    re.I,
)
_SALUTATION = re.compile(r"^\s*(dear|to whom|excellency|your excellency)\b", re.I)


def find_english(lines: list[TextLine]) -> dict[str, Hit]:
    """Reference number, date, title and issuing organization of an English document."""
    found: dict[str, Hit] = {}
    first = lines[0].page if lines else 1
    top = [ln for ln in lines if ln.page == first][:30]
    for ln in top:
        if "so_ky_hieu" not in found:
            m = _REF.search(ln.text)
            if m and re.match(r"^\W{0,2}(our\s+ref|ref|no|number)", ln.text.strip(), re.I):
                val = m.group(1).rstrip(".,;")
                found["so_ky_hieu"] = hit(val, ln, m.start(1), m.start(1) + len(val), 0.9)
        if "ngay_ban_hanh" not in found:
            d = parse_english_date(ln.text)
            if d is not None:
                found["ngay_ban_hanh"] = hit(d[0].isoformat(), ln, d[1], d[2], 0.9)
        if "trich_yeu" not in found:
            m = _SUBJECT.match(ln.text)
            if m:
                found["trich_yeu"] = hit(
                    clean_spaces(m.group(1)).rstrip("."), ln, m.start(1), len(ln.text), 0.9
                )
    if "trich_yeu" not in found:
        # A heading in capitals that is not the letterhead.
        for ln in top:
            t = ln.text.strip()
            letters = [c for c in t if c.isalpha()]
            if len(letters) >= 6 and all(c.isupper() for c in letters) and not _ORG.search(t):
                if _SALUTATION.match(t):
                    break
                found["trich_yeu"] = hit(clean_spaces(t), ln, 0, len(ln.text), 0.75)
                break
    for ln in top:
        if _SALUTATION.match(ln.text) or ln is found.get("trich_yeu", None):
            break
        if _ORG.search(ln.text) and len(ln.text) < 90 and not ln.text.rstrip().endswith("."):
            found["co_quan_ban_hanh"] = hit(clean_spaces(ln.text), ln, 0, len(ln.text), 0.8)
            break
    return found
