"""The visible signature stamp: agency name and ISO 8601 time, black Liberation Serif 10 pt, no image.

Written into the unsigned copy as an empty signature field top-right of page 1 whose appearance shows
the lines, with the same embedded-font code as the text layer (pyHanko's own font embedding writes
glyph widths in font units, which PDF/A rule 6.2.11.5 rejects). pyHanko then signs that field and
keeps its appearance, so the signature's incremental update holds only the field and the signature:
the stamp's font and appearance go with the rest of the copy, compressed in its object streams, and
so do the certificates of the signer's issuing CAs (the document security store).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pikepdf

from pipeline.archive.fonts import TextFont, drawing_cids, keep_outlines
from pipeline.archive.pdfa import save_copy
from pipeline.archive.textlayer import pdf_string

__all__ = ["FONT_SIZE", "add_signature_field", "stamp_characters"]

FONT_SIZE = 10.0
PADDING = 4.0
#: printable (PDF/A needs it) and locked
WIDGET_FLAGS = 4 | 128


#: what an ISO 8601 signing time is written with, besides digits
TIME_CHARACTERS = "-+:T"


def stamp_characters(agency: str) -> str:
    """Every character a stamp for ``agency`` can show (its name, any ISO 8601 time)."""
    return "".join(sorted(set(agency + "0123456789" + TIME_CHARACTERS)))


def _stamp_font(pdf: pikepdf.Pdf, lines: list[str], font_path: Path) -> tuple[pikepdf.Object, dict[str, int]]:
    """The font the stamp draws with: the text layer's when it has the lines' outlines, else its own."""
    resources = pdf.pages[0].obj.get("/Resources")
    fonts = resources.get("/Font") if resources is not None else None
    page_font = fonts.get("/F1") if fonts is not None else None
    if page_font is not None:
        cids = drawing_cids(page_font, font_path, "".join(lines))
        if cids is not None:
            keep_outlines(page_font, font_path, "".join(lines))
            return page_font, cids
    font = TextFont(font_path)
    font.add(lines)
    return font.embed(pdf), {ch: font.cid(ch) for ch in set("".join(lines))}


def _appearance(pdf: pikepdf.Pdf, lines: list[str], font_path: Path) -> tuple[pikepdf.Stream, float, float]:
    font, cids = _stamp_font(pdf, lines, font_path)
    widths, ascent, _ = TextFont(font_path).metrics()
    leading = FONT_SIZE * 1.2
    text_w = max(sum(widths.get(ch, widths[" "]) for ch in line) / 1000.0 * FONT_SIZE for line in lines)
    width = round(text_w + 2 * PADDING, 2)
    height = round(leading * len(lines) + 2 * PADDING, 2)
    # black fill and text render mode 0 are a fresh appearance stream's defaults; each line starts
    # one leading below the one before (Td is relative to the previous line's start)
    top = height - PADDING - ascent / 1000.0 * FONT_SIZE
    ops = [b"BT", f"/F1 {FONT_SIZE:g} Tf".encode("ascii")]
    for i, line in enumerate(lines):
        encoded = b"".join(cids[ch].to_bytes(2, "big") for ch in line)
        move = f"{PADDING:g} {top:.2f}" if i == 0 else f"0 {-leading:g}"
        ops.append(f"{move} Td".encode("ascii") + pdf_string(encoded) + b"Tj")
    ops.append(b"ET")
    form = pdf.make_stream(
        b"\n".join(ops) + b"\n",
        Subtype=pikepdf.Name.Form,
        BBox=[0, 0, width, height],
        Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
    )
    return form, width, height


def add_signature_field(
    src: Path,
    dst: Path,
    lines: list[str],
    *,
    field: str,
    font_path: Path,
    margin: float,
    certificates: Sequence[bytes] = (),
) -> bytes:
    """Write ``src`` to ``dst`` with an unsigned signature field showing ``lines`` top-right of page 1.

    ``dst`` is for the signer only: its XMP is taken out and returned, for the signature's update to
    write compressed (qpdf writes the catalog's XMP uncompressed whatever it is given, and the signed
    copy should not carry it twice).

    Args:
        src: the PDF/A copy (not signed yet: it is rewritten).
        dst: where to write it.
        lines: the stamp's lines, top to bottom.
        field: the signature field's name.
        font_path: the TrueType font of the stamp.
        margin: distance from the page's top and right edges, points.
        certificates: DER certificates for the document security store (the signer's issuing CAs).

    Returns:
        The copy's XMP packet.
    """
    with pikepdf.open(src) as pdf:
        page = pdf.pages[0]
        appearance, width, height = _appearance(pdf, lines, font_path)
        box = pikepdf.Rectangle(page.mediabox)
        right, top = float(box.urx) - margin, float(box.ury) - margin
        # the field apart from its widget: signing rewrites the field (its /V) in the update, and a
        # field of four entries is a third of a field merged with its widget; the optional /Type of
        # the widget and of its appearance are left out (a small copy is mostly such fixed bytes)
        sig_field = pdf.make_indirect(pikepdf.Dictionary(FT=pikepdf.Name.Sig, T=pikepdf.String(field)))
        widget = pdf.make_indirect(
            pikepdf.Dictionary(
                Subtype=pikepdf.Name.Widget,
                F=WIDGET_FLAGS,
                Rect=[round(right - width, 2), round(top - height, 2), round(right, 2), round(top, 2)],
                Parent=sig_field,
                AP=pikepdf.Dictionary(N=pdf.make_indirect(appearance)),
            )
        )
        sig_field.Kids = pikepdf.Array([widget])
        page.obj.Annots = pikepdf.Array([*page.obj.get("/Annots", []), widget])
        # what pyHanko would add to the catalog when signing (SignaturesExist | AppendOnly, the PAdES
        # extension), written here so the signature's update need not rewrite the catalog
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=[sig_field], SigFlags=3)
        # (the extension dictionary's /Type is optional; pyHanko compares levels only)
        pdf.Root.Extensions = pikepdf.Dictionary(
            ESIC=pikepdf.Dictionary(BaseVersion=pikepdf.Name("/1.7"), ExtensionLevel=1)
        )
        if certificates:
            # the DSS (ISO 32000-2 12.8.4.3, part of the ESIC extension): validation data a verifier
            # uses to build the signer's path, in compressed streams
            pdf.Root.DSS = pikepdf.Dictionary(Certs=[pdf.make_stream(der) for der in certificates])
        # a placeholder in an object stream: a stream of its own would cost 80 bytes in the signed copy
        xmp: bytes = pdf.Root.Metadata.read_bytes()
        pdf.Root.Metadata = pdf.make_indirect(pikepdf.Dictionary())
        save_copy(pdf, dst)
    return xmp
