"""Signatures of a document: an embedded PDF signature, checked, and a signature stamp read off a page.

Both are evidence about the document (who signed it, when), not text of the document. They differ in
what they prove: a :class:`PdfSignature` was checked cryptographically on ingestion (``signed_by``,
``signature_valid`` in the index); a :class:`PageStamp` is only what OCR read in a stamp drawn into the
page image (``stamp_signed_by``), which anyone can print, so it is never shown or filtered as verified.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sohoa.model.ocr import Box

__all__ = ["PageStamp", "PdfSignature"]


class PdfSignature(BaseModel):
    """One signature field of a PDF and the result of checking it cryptographically.

    ``intact`` and ``valid`` say the signed bytes are unchanged and the signature matches the signer's
    certificate; ``trusted`` is whether a certificate chain to a known root was found (None: not checked
    against any trust list). ``modified`` is True when the file was changed after signing beyond what
    PDF allows (form filling, later signatures).
    """

    model_config = ConfigDict(frozen=True)

    field_name: str
    signer: str | None = Field(None, description="Common name of the signing certificate")
    organization: str | None = Field(None, description="Organization of the signing certificate")
    certificate_subject: str | None = None
    certificate_issuer: str | None = None
    signing_time: str | None = Field(None, description="ISO 8601 time the signer reported")
    timestamp_time: str | None = Field(None, description="ISO 8601 time of a trusted timestamp token")
    intact: bool = False
    valid: bool = False
    trusted: bool | None = None
    modified: bool = False
    coverage: str | None = Field(None, description="entire file, entire revision or partial")
    page: int | None = Field(None, description="1-based page the signature's appearance is on")
    rect: tuple[float, float, float, float] | None = Field(
        None, description="Appearance rectangle in PDF points (x0, y0, x1, y1), origin bottom left"
    )
    error: str | None = Field(None, description="Why the signature could not be checked")

    @property
    def ok(self) -> bool:
        """Intact, valid and not modified afterwards (trust in the certificate chain is separate)."""
        return self.intact and self.valid and not self.modified


class PageStamp(BaseModel):
    """A signature stamp drawn into a page, as OCR read it: text on the page, NOT a verified signature.

    Published scans carry the stamp of the signing service in the page image (``Ký bởi: SỞ NGOẠI VỤ``,
    ``Cơ quan: ...``, ``Thời gian ký: 12.03.2024 10:15:22 +07:00``): a signed document printed and scanned
    again, a flattened PDF, an office's electronic stamp on a scan. There is no signature behind it to
    check, and OCR may have misread it; it witnesses who signed, it proves nothing
    (``pipeline.metadata.stamps`` finds it and keeps it out of the document's text).
    """

    model_config = ConfigDict(frozen=True, title="PageStamp (read from the page by OCR, not verified)")

    page: int = Field(ge=1, description="1-based page of the document the stamp is drawn on")
    signer: str | None = Field(None, description="The 'Ký bởi' value as read (a person, or a body)")
    organization: str | None = Field(None, description="The 'Cơ quan' value as read")
    email: str | None = Field(None, description="The 'Email' value as read")
    signing_time: str | None = Field(None, description="ISO 8601 time of 'Thời gian ký', as read")
    lines: tuple[str, ...] = Field((), description="The stamp's lines as OCR read them")
    box: Box | None = Field(None, description="Where the stamp is on the page image (x, y, w, h pixels)")
