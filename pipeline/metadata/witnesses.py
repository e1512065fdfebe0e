"""Other witnesses of a document's values than its page text: file name, PDF signatures, page stamps.

Page stamps are the signature stamps drawn into the pages (``pipeline.metadata.stamps``); their model,
:class:`sohoa.model.signature.PageStamp`, is re-exported here for the metadata code.

They never replace what the page says; they confirm or contradict it, and fill a handwritten blank the
OCR could not read (then with a confidence low enough to send the document to review, unless the page
agrees).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.metadata.normalize import fold
from sohoa.model.signature import PageStamp, PdfSignature

__all__ = ["PageStamp", "Witnesses", "witnesses_for"]


@dataclass(frozen=True)
class Witnesses:
    """What is known about a document besides its text.

    Attributes:
        file_name: The name the file arrived with (manifest or upload), not a storage key.
        signatures: Embedded PDF signatures (``ocr.signatures.read_signatures``).
        stamps: Signature stamps found in the page text (``pipeline.metadata.stamps.split_stamps``).
    """

    file_name: str | None = None
    signatures: tuple[PdfSignature, ...] = field(default=())
    stamps: tuple[PageStamp, ...] = field(default=())

    def earliest_signing(self) -> dt.date | None:
        """The date of the first signature on the file or stamp on its pages (in the signer's time zone)."""
        dates = []
        for when in [s.signing_time for s in self.signatures] + [s.signing_time for s in self.stamps]:
            if when:
                try:
                    dates.append(dt.datetime.fromisoformat(when).date())
                except ValueError:
                    continue
        return min(dates) if dates else None

    def signer_completing(self, partial: str) -> str | None:
        """A signer's full name (certificate or stamp) that ends with ``partial``, a name the seal cut.

        ``Hữu Thành`` read under the seal, ``Phan Thị Hữu Thành`` on the certificate: the witness gives
        the family name the page lost. None when no witness, or more than one, fits.
        """
        tail = [w for w in fold(partial).split() if w.isalpha()]
        names = {
            " ".join(s.signer.split()) for s in self.signatures if s.signer and s.signer != s.organization
        }
        names |= {" ".join(s.signer.split()) for s in self.stamps if s.signer}
        fits = {n for n in names if len(n.split()) > len(tail) and fold(n).split()[-len(tail) :] == tail}
        return next(iter(fits)) if tail and len(fits) == 1 else None

    def signing_bodies(self) -> list[str]:
        """The bodies and signers that signatures and stamps name: witnesses of who issued the document."""
        names = [n for s in self.signatures for n in (s.organization, s.signer)]
        names += [n for s in self.stamps for n in (s.organization, s.signer)]
        return [n for n in names if n]

    def signer_spelling(self, name: str) -> str | None:
        """A signature certificate's personal name that folds to ``name`` (its exact spelling), else None."""
        key = " ".join(fold(name).split())
        for s in self.signatures:
            if s.signer and " ".join(fold(s.signer).split()) == key and s.signer != s.organization:
                return " ".join(s.signer.split())
        return None


def witnesses_for(path: Path, name: str, media_type: str) -> Witnesses:
    """The witnesses of a file being ingested: its original name and, for a PDF, its signatures."""
    from ocr.signatures import read_signatures

    signatures = tuple(read_signatures(path)) if media_type == "application/pdf" else ()
    return Witnesses(file_name=name, signatures=signatures)
