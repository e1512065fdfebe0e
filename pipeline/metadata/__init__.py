"""Metadata extraction for Vietnamese administrative documents (Decree 30/2020/NĐ-CP) and English ones.

Pure functions over the OCR result (text plus word boxes): no service, no settings, so they can be
tested anywhere and re-run on stored OCR output.

    extract(doc: OcrDocument, witnesses=Witnesses()) -> Metadata   # word boxes, region hints
    extract_text(text: str, witnesses=Witnesses()) -> Metadata     # plain text, pages split by form feeds

Each field in :data:`sohoa.model.document.FIELD_NAMES` is present in the result; a field not found has value
None and confidence 0. ``needs_review`` is set, with one stable reason code per unsure key field
(``so_ky_hieu.missing``, ``ngay_ban_hanh.day_unread`` ...), when a key field is missing or unsure.
``witnesses`` (file name, PDF signatures) confirm or contradict handwritten values; they never override
what the page clearly says. Signature stamps drawn into the pages are taken out of the lines before any
field is read (``stamps``), join the witnesses and come back in ``Metadata.stamps``.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from pipeline.metadata import normalize
from pipeline.metadata.body import find_dossier_code, find_recipients, find_subject, find_title
from pipeline.metadata.closing import (
    find_recipients_list,
    find_signer,
    name_in_text,
    name_off_axis,
    signer_without_family_name,
)
from pipeline.metadata.consistency import (
    check_code_issuer,
    check_code_year,
    check_date,
    check_issuer,
    check_number,
    code_garbled,
    codes_disagree,
    issuer_picks_code,
    repair_body_code,
    repair_type_code,
    vote_code,
    yields_to_parent,
)
from pipeline.metadata.english import find_english, is_english
from pipeline.metadata.evidence import Hit, hit, to_field
from pipeline.metadata.header import (
    date_from_line_reading,
    find_date,
    find_issuer,
    find_marks,
    find_number,
    line_number,
    number_from_line_reading,
    type_from_number,
)
from pipeline.metadata.layout import TextLine, page_lines, text_lines
from pipeline.metadata.reference import snap_issuer
from pipeline.metadata.review import LOW_CONFIDENCE, page_reasons, review
from pipeline.metadata.spelling import repair_nonwords, repair_units, respell
from pipeline.metadata.stamps import split_stamps
from pipeline.metadata.witnesses import Witnesses
from sohoa.model.document import FIELD_NAMES, ExtractedField, Metadata
from sohoa.model.ocr import BlankReading, OcrDocument, PageSource

__all__ = ["Witnesses", "extract", "extract_lines", "extract_text", "normalize"]

log = logging.getLogger(__name__)

#: the free-text fields whose tone marks are repaired (``spelling``): the subject and the recipients
_RESPELT = ("trich_yeu", "noi_nhan", "kinh_gui")


def extract(doc: OcrDocument, witnesses: Witnesses | None = None) -> Metadata:
    """Extract the metadata fields of one OCR'd document.

    Args:
        doc: The OCR result; failed and blank pages are skipped.
        witnesses: The file name and PDF signatures, when known.

    Returns:
        Metadata with every field of ``FIELD_NAMES``, the language and the review verdict.
    """
    lines: list[TextLine] = []
    texts: dict[int, str] = {}
    blanks: dict[str, BlankReading] = {}
    for page in doc.pages:
        if page.source in (PageSource.FAILED, PageSource.BLANK):
            continue
        texts[page.number] = page.text
        lines.extend(page_lines(page))
        if not texts or len(texts) == 1:
            blanks = {b.kind: b for b in page.blanks}
    meta = extract_lines(lines, texts, witnesses, blanks)
    doc_reasons = page_reasons(doc)
    if doc_reasons:
        meta = meta.model_copy(update={"needs_review": True, "reasons": [*doc_reasons, *meta.reasons]})
    log.debug(
        "metadata of %s: %d fields, review=%s",
        doc.file_name,
        sum(f.value is not None for f in meta.fields.values()),
        meta.needs_review,
    )
    return meta


def _respelt(value: str, document_text: str) -> str:
    """A free-text value with its tone marks repaired (``spelling``)."""
    return repair_units(repair_nonwords(respell(value, document_text)))


def extract_text(text: str, witnesses: Witnesses | None = None) -> Metadata:
    """Extract the metadata fields of a plain-text document (pages separated by form feeds)."""
    lines: list[TextLine] = []
    texts: dict[int, str] = {}
    for n, page_text in enumerate(text.split("\f"), start=1):
        texts[n] = page_text
        lines.extend(text_lines(page_text, n))
    return extract_lines(lines, texts, witnesses)


def extract_lines(
    lines: list[TextLine],
    page_texts: dict[int, str],
    witnesses: Witnesses | None = None,
    blanks: dict[str, BlankReading] | None = None,
) -> Metadata:
    """Extract the fields from lines already in reading order with zones (see ``layout``).

    ``blanks``: second readings of the first page's number and date blanks (``OcrPage.blanks``) by kind.
    """
    lines, stamps = split_stamps(lines)
    witnesses = witnesses or Witnesses()
    if stamps:
        witnesses = replace(witnesses, stamps=witnesses.stamps + stamps)
    full = "\n".join(ln.text for ln in lines)
    language = "en" if is_english(full) else "vi"
    notes: dict[str, str] = {}
    hits = _english(lines) if language == "en" else _vietnamese(lines, witnesses, notes, blanks or {})
    document_text = "\n".join(page_texts.values())
    for name in _RESPELT:
        hit = hits.get(name)
        if hit is not None:
            if isinstance(hit.value, str):
                value: str | list[str] = _respelt(hit.value, document_text)
            else:  # the recipients: a list, each item repaired as a value of its own
                value = [_respelt(v, document_text) for v in hit.value]
            if value != hit.value:
                hits[name] = Hit(value, hit.parts, hit.score)
    fields: dict[str, ExtractedField] = {name: ExtractedField() for name in FIELD_NAMES}
    for name, h in hits.items():
        if h is not None and h.value not in (None, "", []):
            fields[name] = to_field(h, page_texts)
    needs, reasons = review(fields, language, notes)
    if "nguoi_ky" in notes and fields["nguoi_ky"].value is None:
        # a signer's name without its family name is not guessed: a clerk completes it
        needs, reasons = True, [*reasons, notes["nguoi_ky"]]
    # the stamps leave with the metadata: the document keeps what its pages show (not as signatures)
    return Metadata(
        language=language, fields=fields, needs_review=needs, reasons=reasons, stamps=list(stamps)
    )


def _english(lines: list[TextLine]) -> dict[str, Hit | None]:
    return dict(find_english(lines))


def _second_code(blank: BlankReading | None) -> str | None:
    second = line_number(blank)
    return second.code if second is not None else None


def _recode(out: dict[str, Hit | None], code: str, score: float) -> str:
    """Put a repaired ký hiệu into the number and the code fields, at most as sure as ``score``."""
    sk = out["so_ky_hieu"]
    assert sk is not None
    num = str(sk.value).partition("/")[0]
    out["so_ky_hieu"] = Hit(f"{num}/{code}", sk.parts, min(sk.score, score))
    out["ky_hieu"] = Hit(code, sk.parts, min(0.85, score))
    return code


def _line_reread(h: Hit, note: str | None, name: str) -> tuple[Hit, str | None]:
    """A value read only on the second recognizer's line reading is never trusted as it stands."""
    if h.score < LOW_CONFIDENCE:
        return h, note
    return Hit(h.value, h.parts, LOW_CONFIDENCE - 0.1), f"{name}.line_reread"


def _vietnamese(
    lines: list[TextLine], w: Witnesses, notes: dict[str, str], blanks: dict[str, BlankReading]
) -> dict[str, Hit | None]:
    out: dict[str, Hit | None] = {}
    number, reading = find_number(lines)
    reread_number = number is None
    if reread_number:
        number, reading = number_from_line_reading(lines, blanks.get("number"))
    if number is not None and reading is not None:
        number, note = check_number(number, reading, w, blanks.get("number"))
        if reread_number:
            # the code came from the second recognizer alone, which may drop its diacritics
            number, note = _line_reread(number, note, "so_ky_hieu")
        if note:
            notes["so_ky_hieu"] = note
        num, _, code = str(number.value).partition("/")
        out["so_ky_hieu"] = number
        out["so"] = Hit(int(num), number.parts, number.score) if num.isdigit() else None
        # the printed code is read from print, whatever happened to the handwritten number
        out["ky_hieu"] = Hit(code, number.parts, 0.95 if code else 0.0)
    date, out["noi_ban_hanh"], date_reading = find_date(lines)
    reread_date = date is None
    if reread_date:
        date, date_reading = date_from_line_reading(lines, blanks.get("day"))
    if date is not None:
        date, note = check_date(date, date_reading, w, blanks)
        if reread_date:
            # the whole date came from the second recognizer's reading of its line
            date, note = _line_reread(date, note, "ngay_ban_hanh")
        if note:
            notes["ngay_ban_hanh"] = note
    out["ngay_ban_hanh"] = date
    title, title_index = find_title(lines)
    subject = find_subject(lines, title_index)
    out["trich_yeu"] = subject
    ky = out.get("ky_hieu")
    ky_code: str | None = str(ky.value) if ky is not None else None
    second = _second_code(blanks.get("number")) if not reread_number else None
    if title is not None and ky_code and title.value.code:
        fixed = repair_type_code(ky_code, title.value.code, second)
        if fixed is not None:
            ky_code = _recode(out, fixed, 0.85)
    # the issuer as printed: a witness of a disputed code here, and snapped and checked further down
    found_issuer, found_parent = find_issuer(lines)
    better = vote_code(ky_code, second) if ky_code else None
    if better is not None:
        # the network's reading of the line restored what handwriting damaged in the printed code;
        # one recognizer's word against the other's: a clerk checks
        ky_code = _recode(out, better, LOW_CONFIDENCE - 0.1)
        notes.setdefault("so_ky_hieu", "so_ky_hieu.code_reread")
    elif ky_code and second and codes_disagree(ky_code, second):
        # two readings that both look like a code: the one that abbreviates the issuer is shown (the
        # issuer is the third witness), and a clerk checks either way
        ky_code = _recode(out, issuer_picks_code(ky_code, second, found_issuer), LOW_CONFIDENCE - 0.1)
        notes.setdefault("so_ky_hieu", "so_ky_hieu.code_disagree")
    elif ky_code and code_garbled(ky_code):
        ky_code = _recode(out, ky_code, LOW_CONFIDENCE - 0.1)
        notes.setdefault("so_ky_hieu", "so_ky_hieu.code_garbled")
    if ky_code and (sk := out.get("so_ky_hieu")) is not None:
        out["so_ky_hieu"], note = check_code_year(sk, ky_code, out.get("ngay_ban_hanh"))
        if note:
            notes.setdefault("so_ky_hieu", note)
    code_type = type_from_number(ky_code) if ky_code else (None, None)
    # the issuer after the code's repairs: its abbreviation in the code is one of its witnesses
    issuer, out["co_quan_chu_quan"] = found_issuer, found_parent
    parent = out["co_quan_chu_quan"]
    if issuer is not None:
        snap = snap_issuer(str(issuer.value))
        issuer = Hit(snap.value, issuer.parts, issuer.score)
        if ky_code and parent is not None and yields_to_parent(ky_code, issuer, parent, snap.known):
            # the lowest line is debris (a signature overlay's organisation): the body above, in doubt
            issuer, out["co_quan_chu_quan"] = Hit(parent.value, parent.parts, 0.5), None
            snap = snap_issuer(str(issuer.value))
            notes["co_quan_ban_hanh"] = "co_quan_ban_hanh.code_mismatch"
        body_code = repair_body_code(ky_code, str(issuer.value)) if ky_code else None
        if body_code is not None:
            # UBNĐ is UBND: a stroke, and no doubt; UBN or UBMD: a letter, which a clerk checks
            ky_code = _recode(out, body_code[0], 0.85 if body_code[1] else LOW_CONFIDENCE - 0.1)
            if not body_code[1]:
                notes["so_ky_hieu"] = "so_ky_hieu.code_repaired"
        issuer, note = check_issuer(issuer, ky_code, snap.known, w)
        if note:
            notes["co_quan_ban_hanh"] = note
        sk = out.get("so_ky_hieu")
        if ky_code and sk is not None:
            out["so_ky_hieu"], note = check_code_issuer(sk, ky_code, str(issuer.value))
            if note:
                notes.setdefault("so_ky_hieu", note)
    out["co_quan_ban_hanh"] = issuer
    if title is not None:
        t = title.value
        agree = code_type[1] is None or code_type[1] == t.code
        if not agree:
            notes["loai_van_ban"] = "loai_van_ban.code_mismatch"
        out["loai_van_ban"] = Hit(t.name, title.parts, title.score if agree else 0.5)
        out["ma_loai"] = Hit(t.code, title.parts, title.score) if t.code else None
    elif code_type[0] is not None and number is not None:
        out["loai_van_ban"] = Hit(code_type[0], number.parts, 0.85)
        out["ma_loai"] = Hit(code_type[1], number.parts, 0.85) if code_type[1] else None
    elif number is not None:
        # Decree 30: a công văn number has no type code ("215/SNgV-VP").
        vv = subject is not None and normalize.fold(subject.parts[0][0].text).lstrip().startswith("v")
        out["loai_van_ban"] = Hit("Công văn", number.parts, 0.9 if vv else 0.7)
    out["kinh_gui"] = find_recipients(lines)
    out["noi_nhan"] = find_recipients_list(lines)
    out.update(find_signer(lines, str(issuer.value) if issuer is not None else None))
    partial = signer_without_family_name(lines) if "nguoi_ky" not in out else None
    if partial is not None:
        full = w.signer_completing(partial.text) or name_in_text(partial.text, lines, partial)
        if full is not None:
            out["nguoi_ky"] = hit(full, partial, 0, len(partial.text), 0.9)
        else:
            notes["nguoi_ky"] = "nguoi_ky.family_name_lost"
    signer = out.get("nguoi_ky")
    if signer is not None and len(str(signer.value).split()) == 2:
        # two words can be a whole name or the end of one whose family name the seal hid ("Hoàng Tuấn"
        # of "Trần Hoàng Tuấn"): a certificate or the text that names the signer longer says which
        line = signer.parts[0][0]
        longer = w.signer_completing(str(signer.value)) or name_in_text(str(signer.value), lines, line)
        if longer is not None:
            out["nguoi_ky"] = signer = Hit(longer, signer.parts, min(signer.score, 0.9))
        elif name_off_axis(signer, lines):
            # and off its block's axis, it lost a word: not guessed, a clerk completes it
            del out["nguoi_ky"]
            signer, notes["nguoi_ky"] = None, "nguoi_ky.family_name_lost"
    if signer is not None and (spelled := w.signer_spelling(str(signer.value))) is not None:
        out["nguoi_ky"] = Hit(spelled, signer.parts, max(signer.score, 0.97))
    out.update(find_marks(lines))
    out["ma_ho_so"] = find_dossier_code(lines)
    return out


# re-exported for callers that build lines themselves
__all__ += ["hit"]
