"""sohoa's exception tree, in one place.

Every error a user can see is one of these, with a message a clerk or operator can act on.
Third-party exceptions (pytesseract, pdf2image, minio, elasticsearch) are translated at one boundary in
the module that wraps them, chained with ``raise ... from e``.

    SohoaError
    ├── ConfigurationError            settings or an external program is missing/wrong   (exit 2)
    │   └── MissingDependencyError    a program (tesseract, pdftoppm, java, go) is not installed
    ├── InputError                    the file itself is bad; retrying cannot help         (exit 3)
    │   ├── EmptyFileError            zero bytes
    │   ├── UnsupportedFileTypeError  not PNG/JPEG/TIFF/PDF whatever its extension says
    │   ├── TruncatedFileError        the file ends early
    │   ├── CorruptFileError          unreadable content
    │   ├── EncryptedPdfError         password-protected PDF
    │   ├── DecompressionBombError    more pixels (or pages) than the configured limit
    │   ├── ManifestError             a batch manifest that cannot be read
    │   └── DossierError              a dossier code, field or request that breaks the rules
    ├── OcrError                      Tesseract failed on readable input                  (exit 4)
    │   ├── OcrTimeoutError           a page took longer than its time limit
    │   ├── WorkerCrashedError        processing the file killed its worker process twice (quarantined)
    │   └── ResourceLimitError        a page needed more memory than a worker may use
    ├── ServiceError                  a service failed; worth retrying later              (exit 5)
    │   ├── StorageError              MinIO / S3
    │   │   └── ObjectNotFoundError   the object is not there
    │   └── SearchIndexError          Elasticsearch
    ├── IntegrityError                a stored object does not match its SHA-256          (exit 6)
    ├── ServicesError                 a local service could not be installed or started   (exit 7)
    ├── ArchiveError                  an archive copy, signature or package could not be made (exit 8)
    ├── FieldValueError               a corrected metadata value is not valid (an InputError)
    └── ConflictError                 the document changed since it was read              (exit 9)

Whether an operation is worth retrying is each class's own ``retryable`` attribute (the flows' retry policy
reads it): ``ServiceError`` is, except ``ObjectNotFoundError``; nothing else is. Each class also carries
``advice``: what to do about it, shown in batch reports beside the message.
"""

from __future__ import annotations

__all__ = [
    "ConfigurationError",
    "CorruptFileError",
    "DecompressionBombError",
    "DossierError",
    "EmptyFileError",
    "EncryptedPdfError",
    "InputError",
    "IntegrityError",
    "ManifestError",
    "MissingDependencyError",
    "ObjectNotFoundError",
    "OcrError",
    "OcrTimeoutError",
    "SearchIndexError",
    "ServiceError",
    "ServicesError",
    "SohoaError",
    "StorageError",
    "TruncatedFileError",
    "UnsupportedFileTypeError",
    "error_info",
    "ResourceLimitError",
    "WorkerCrashedError",
    "ArchiveError",
    "FieldValueError",
    "ConflictError",
]


class SohoaError(Exception):
    """Base of every sohoa error."""

    exit_code = 1
    retryable = False
    #: what to do about it (vi / en), shown in reports beside the message
    advice = "Xem thông điệp lỗi / see the message"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(SohoaError):
    """Settings or an external program are missing or wrong."""

    exit_code = 2


class MissingDependencyError(ConfigurationError):
    """An external program is not installed; the message says how to install it."""


class InputError(SohoaError):
    """The input file is bad. Retrying cannot help; the rest of the batch goes on."""

    exit_code = 3
    advice = "Quét hoặc xuất lại tệp rồi nộp lại / scan or export the file again and resubmit it"


class EmptyFileError(InputError):
    """The file has zero bytes."""


class UnsupportedFileTypeError(InputError):
    """The content is not a supported type (PNG, JPEG, TIFF, PDF), whatever the extension says."""


class TruncatedFileError(InputError):
    """The file ends before its content does (an interrupted copy or upload)."""


class CorruptFileError(InputError):
    """The content cannot be decoded."""


class EncryptedPdfError(InputError):
    """The PDF is password-protected."""


class DecompressionBombError(InputError):
    """The image or document is larger than the configured pixel or page limit."""


class ManifestError(InputError):
    """A batch manifest cannot be read."""


class DossierError(InputError):
    """A dossier code, code-list value, date or request (e.g. a disposal without approval) is refused."""


class OcrError(SohoaError):
    """Tesseract failed on input that could be read."""

    exit_code = 4
    advice = "Thử lại với bản quét rõ hơn / try again with a cleaner scan; report it if it persists"


class OcrTimeoutError(OcrError):
    """A page's OCR took longer than its limit."""


class ServiceError(SohoaError):
    """An external service failed; the operation can be retried later."""

    exit_code = 5
    retryable = True
    advice = (
        "Kiểm tra dịch vụ (sohoa services status) rồi chạy lại lô / check the services (sohoa services "
        "status), then run the batch again"
    )


class StorageError(ServiceError):
    """Object storage (MinIO/S3) failed."""


class ObjectNotFoundError(StorageError):
    """The object does not exist in storage."""

    retryable = False


class SearchIndexError(ServiceError):
    """Elasticsearch failed."""


class WorkerCrashedError(OcrError):
    """The worker process died (a crash in a decoder, the memory limit) twice while processing this file."""

    advice = (
        "Tệp đã được cách ly (_quarantine); kiểm tra tệp gốc / the file is quarantined; inspect the original "
        "before resubmitting it"
    )


class ResourceLimitError(OcrError):
    """A page needed more memory than a worker process may use (``SOHOA_OCR__WORKER_MEMORY_MB``)."""

    advice = "Giảm độ phân giải bản quét / downsample the scan, or raise SOHOA_OCR__WORKER_MEMORY_MB"


class IntegrityError(SohoaError):
    """A stored object no longer matches its SHA-256 content address."""

    exit_code = 6


class ServicesError(SohoaError):
    """A local service could not be installed or started; the message names its log."""

    exit_code = 7


class ArchiveError(SohoaError):
    """An archival copy, its signature or a package could not be made or checked."""

    exit_code = 8


class FieldValueError(InputError):
    """A value a person entered for a metadata field is not valid; ``field`` and ``reason`` say why."""

    advice = "Sửa giá trị theo lý do đã nêu / correct the value as the reason says"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class ConflictError(SohoaError):
    """Someone saved the document since it was read: reload it and correct again."""

    exit_code = 9
    advice = "Tải lại tài liệu rồi sửa lại / reload the document and correct it again"


#: advice for exceptions from outside sohoa that reach the per-file guard (a decoder's own error)
_FOREIGN_ADVICE = (
    "Tệp không đọc được; quét hoặc xuất lại / the file could not be processed; scan or export it again "
    "(report the error type if a good file gets it)"
)


def error_info(exc: BaseException) -> dict[str, str]:
    """The ``{"type", "message", "advice"}`` that reports and JSON output show for an error.

    Exceptions from outside sohoa (PIL, OpenCV, pypdf ...) keep their own type name, so a report says
    which library refused the file.
    """
    if isinstance(exc, SohoaError):
        return {"type": type(exc).__name__, "message": exc.message, "advice": exc.advice}
    return {"type": type(exc).__name__, "message": str(exc) or repr(exc), "advice": _FOREIGN_ADVICE}
