"""An embedded digital signature of a PDF, as read and checked on ingestion.

The signature is evidence about the document (who signed it, when, whether the file changed since), not
text of the document: it is stored beside the extracted metadata and indexed for "signed by" and
"signature valid" filters.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PdfSignature"]


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
