"""Other witnesses of a document's values than its page text: the file name and the PDF signatures.

They never replace what the page says; they confirm or contradict it, and fill a handwritten blank the
OCR could not read (then with a confidence low enough to send the document to review, unless the page
agrees).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.metadata.normalize import fold
from sohoa.model.signature import PdfSignature

__all__ = ["Witnesses", "witnesses_for"]


@dataclass(frozen=True)
class Witnesses:
    """What is known about a document besides its text.

    Attributes:
        file_name: The name the file arrived with (manifest or upload), not a storage key.
        signatures: Embedded PDF signatures (``ocr.signatures.read_signatures``).
    """

    file_name: str | None = None
    signatures: tuple[PdfSignature, ...] = field(default=())

    def earliest_signing(self) -> dt.date | None:
        """The date of the first signature on the file (in the signer's own time zone)."""
        dates = []
        for s in self.signatures:
            if s.signing_time:
                try:
                    dates.append(dt.datetime.fromisoformat(s.signing_time).date())
                except ValueError:
                    continue
        return min(dates) if dates else None

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
