"""All of sohoa's settings in one object.

Every endpoint, credential, bucket, index name, OCR language and DPI lives here. Values come from
environment variables with the prefix ``SOHOA_`` and ``__`` between a group and its field
(``SOHOA_MINIO__ENDPOINT``, ``SOHOA_OCR__LANGUAGES``), then from the git-ignored file that
``sohoa services up`` writes for the local services (``$SOHOA_HOME/local.env``), then from the
defaults below, which point at loopback. Production sets the environment and never edits code.

Stage functions must not read this module: callers build a frozen context from it and pass that in.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "DossierSettings",
    "ElasticsearchSettings",
    "MinioSettings",
    "OcrSettings",
    "PrefectSettings",
    "QaSettings",
    "Settings",
    "SplitSettings",
    "WebSettings",
    "get_settings",
    "sohoa_home",
    "ArchiveSettings",
    "SigningSettings",
]


def sohoa_home() -> Path:
    """The project data folder: ``$SOHOA_HOME`` or ``./.sohoa`` (git-ignored)."""
    return Path(os.environ.get("SOHOA_HOME") or Path.cwd() / ".sohoa").resolve()


class ElasticsearchSettings(BaseModel):
    """Where the search index lives."""

    url: str = Field("http://127.0.0.1:9200", description="Elasticsearch base URL")
    username: str | None = Field(None, description="Basic-auth user (production clusters)")
    password: SecretStr | None = Field(None, description="Basic-auth password")
    api_key: SecretStr | None = Field(None, description="API key, instead of user and password")
    ca_certs: Path | None = Field(None, description="CA bundle for a TLS cluster")
    index_prefix: str = Field("sohoa", pattern=r"^[a-z0-9][a-z0-9_-]*$", description="Prefix of index names")
    request_timeout: float = Field(30.0, gt=0, le=600, description="Seconds per request")


class MinioSettings(BaseModel):
    """Where the originals (the source of truth) and derived artifacts live."""

    endpoint: str = Field("127.0.0.1:9000", description="host:port of the S3 API")
    access_key: SecretStr | None = Field(None, description="Access key; local.env holds the local one")
    secret_key: SecretStr | None = Field(None, description="Secret key; local.env holds the local one")
    secure: bool = Field(False, description="Use TLS")
    region: str | None = Field(None, description="Region, if the server needs one")
    bucket: str = Field("sohoa-archive", description="Bucket of originals, artifacts and reports")
    inbox_bucket: str = Field("sohoa-inbox", description="Bucket the nightly ingestion scans")
    inbox_prefix: str = Field("", description="Prefix inside the inbox bucket")
    presign_seconds: int = Field(900, ge=10, le=7 * 24 * 3600, description="Lifetime of presigned links")


class PrefectSettings(BaseModel):
    """The orchestration server."""

    api_url: str = Field("http://127.0.0.1:4200/api", description="Prefect API URL")
    work_pool: str = Field("sohoa-process", description="Process work pool the deployments use")
    launch: Literal["subprocess", "deployment"] = Field(
        "subprocess",
        description="How the web app starts a batch: a local `sohoa ingest` process, or a run of the "
        "ingest deployment picked up by any worker of the work pool",
    )
    ingest_deployment: str = Field(
        "ingest-batch/ingest-batch", description="Deployment used when launch=deployment"
    )
    task_runner: Literal["threads", "dask"] = Field(
        "threads", description="Where ingestion's OCR tasks run: threads here, or a Dask cluster"
    )
    task_workers: int = Field(
        2, ge=1, le=256, description="Documents OCR'd at once (threads or local Dask workers)"
    )
    dask_address: str | None = Field(
        None, description="Scheduler of an existing Dask cluster (tcp://host:8786); none = a local cluster"
    )


class OcrSettings(BaseModel):
    """OCR and preprocessing."""

    languages: str = Field("vie", pattern=r"^[a-z_]+(\+[a-z_]+)*$", description="Tesseract languages")
    dpi: int = Field(300, ge=72, le=1200, description="Rasterization DPI for PDFs")
    min_dpi: int = Field(
        200,
        ge=72,
        le=600,
        description="Scans below this are upscaled and reported low_dpi (archival minimum)",
    )
    psm: int = Field(3, ge=0, le=13, description="Tesseract page segmentation mode")
    oem: int = Field(1, ge=0, le=3, description="Tesseract engine mode (1 = LSTM)")
    jobs: int = Field(0, ge=0, le=64, description="Parallel Tesseract processes; 0 = one per core")
    page_timeout: float = Field(
        180.0, gt=0, le=3600, description="Seconds one page's Tesseract call may take"
    )
    max_pixels: int = Field(200_000_000, ge=1_000_000, description="Decompression-bomb limit per page")
    max_pages: int = Field(2000, ge=1, description="Largest document accepted")
    orientation: bool = Field(True, description="Correct 90/180/270 rotation with Tesseract OSD")
    orientation_min_confidence: float = Field(2.0, ge=0, description="OSD confidence needed to rotate")
    deskew: bool = Field(True, description="Straighten small skew angles")
    denoise: bool = Field(True, description="Remove speckle noise")
    remove_red_seals: bool = Field(
        True, description="On colour scans, fade red seals/stamps before grayscale (keeps black text)"
    )
    binarize: Literal["auto", "otsu", "adaptive", "off"] = Field("auto", description="Binarization method")
    remove_borders: bool = Field(True, description="Whiten dark scan borders")
    blank_detection: bool = Field(True, description="Report blank pages instead of OCRing them")
    worker_memory_mb: int = Field(
        2048, ge=0, le=1_048_576, description="Address space one page worker may use (MB; 0 = no limit)"
    )
    job_seconds: float = Field(
        600.0, ge=0, le=86_400, description="Seconds one page may take before its worker is killed (0 = none)"
    )
    reread_blanks: bool = Field(
        True,
        description="Re-read the number and date blanks of page 1 (handwritten fill-ins) when the first "
        "reading is unsure: a few small digit-only Tesseract calls",
    )
    reread_lines: bool = Field(
        True,
        description="Re-read the unsure header lines of page 1 and closing lines (signer block) from "
        "crops at a fixed text height in two thresholds: two extra Tesseract calls per such page",
    )
    read_handwritten_digits: bool = Field(
        True,
        description="Also read the unsure number and date blanks with a neural line recognizer (PP-OCRv6, "
        "ocr.digits; 20-50 ms per blank) and vote it against Tesseract's digit re-reads",
    )


class WebSettings(BaseModel):
    """The web app."""

    host: str = Field("127.0.0.1", description="Bind address (loopback by default)")
    port: int = Field(8000, ge=1, le=65535, description="Port")
    secret_key: SecretStr | None = Field(
        None, description="Cookie-signing key; local.env holds the local one"
    )
    secure_cookies: bool = Field(False, description="Mark cookies Secure (set true behind HTTPS)")
    session_hours: int = Field(8, ge=1, le=24 * 30, description="Session lifetime")
    max_upload_mb: int = Field(500, ge=1, le=20_000, description="Largest upload accepted")
    time_zone: str = Field(
        "Asia/Ho_Chi_Minh", min_length=1, max_length=64, description="IANA time zone of dates in the UI"
    )
    basic_cache_seconds: int = Field(
        60, ge=0, le=3600, description="How long a verified HTTP Basic credential is trusted without Argon2"
    )
    batch_stale_seconds: int = Field(
        180, ge=30, le=86_400, description="A running batch with no heartbeat for this long has died"
    )


class QaSettings(BaseModel):
    """The scan quality gate at ingest (codes and messages: ``sohoa.model.qa``).

    The resolution minimum is ``ocr.min_dpi`` (the archival 200 dpi), the same one that decides upscaling.
    """

    expect_color: bool = Field(
        False, description="Batches are scanned in colour: bilevel or gray pages are not_color"
    )
    max_residual_skew: float = Field(
        1.0, ge=0.1, le=10.0, description="Degrees of skew left after correction that make a page skewed"
    )
    min_text_chars: int = Field(
        20, ge=1, le=1000, description="Letters and digits a non-blank page needs, else no_text"
    )
    illegible_confidence: float = Field(
        45.0, ge=0.0, le=100.0, description="Mean OCR word confidence under which a page is illegible"
    )
    blank_max_ink: float = Field(
        0.01, ge=0.0, le=0.2, description="Ink share under which a page without text counts as blank"
    )
    blank_max_grain: float = Field(
        12.0,
        ge=0.0,
        le=128.0,
        description="Pixel noise above which an empty-looking page is noise, not blank",
    )
    cropped_edge_ink: float = Field(
        0.08, gt=0.0, le=1.0, description="Share of an edge touched by marks above which the page is cropped"
    )
    duplicate_text_ratio: float = Field(
        0.92, gt=0.5, le=1.0, description="Text similarity from which two pages are duplicates"
    )
    duplicate_hash_bits: int = Field(
        12, ge=0, le=64, description="Most differing fingerprint bits between duplicate pages"
    )


class SplitSettings(BaseModel):
    """Splitting a file scanned from a whole box into its documents."""

    mode: Literal["none", "auto", "header", "separator"] = Field(
        "none", description="Default for batches: none, auto (separators, else headers), header, separator"
    )
    dossier_pattern: str = Field(
        r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$",
        description="A separator sheet's code that matches this is a dossier code (mã hồ sơ)",
    )
    separator_values: list[str] = Field(
        default_factory=lambda: ["PATCHT", "PATCH T", "SEPARATOR", "SOHOA-SEPARATOR"],
        description="Codes that only mark a separator (no dossier)",
    )
    separator_max_words: int = Field(
        12, ge=0, le=200, description="A page with a barcode and at most this many words is a separator sheet"
    )


class ArchiveSettings(BaseModel):
    """Archival copies (PDF/A-2b) and their validation by veraPDF."""

    verapdf_version: str = Field(
        "1.28.2", pattern=r"^[0-9][0-9.]*$", description="org.verapdf.apps:greenfield-apps version (Maven)"
    )
    java: Path | None = Field(None, description="Java 17+ for veraPDF; default Temurin 25, then `java`")
    verapdf_timeout: float = Field(
        900.0,
        gt=0,
        le=7200,
        description="Seconds one veraPDF batch call may take, and the resident veraPDF between two reports",
    )
    verapdf_batch: int = Field(25, ge=1, le=500, description="Files validated per veraPDF (JVM) call")
    font: Path = Field(
        Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"),
        description="Font of the invisible text layer and of the signature stamp (Debian fonts-liberation2)",
    )
    sign: bool = Field(True, description="Sign every archive copy with the agency certificate")
    ghostscript_timeout: float = Field(300.0, gt=0, le=3600, description="Seconds per born-digital PDF")
    with_ingest: bool = Field(
        False,
        description="Make, validate and sign each batch's archive copies at the end of its ingestion, in "
        "the same run (otherwise `sohoa archive build` or the archive-build deployment makes them)",
    )


class SigningSettings(BaseModel):
    """The digitizing agency's signing certificate (PAdES)."""

    agency_name: str = Field(
        "Cơ quan số hóa (thử nghiệm)", min_length=1, max_length=200, description="Name shown in the stamp"
    )
    pkcs12_path: Path | None = Field(None, description="PKCS#12 file with the agency key and certificate")
    pkcs12_password: SecretStr | None = Field(None, description="Its password (from the environment)")
    trust_roots: list[Path] = Field(
        default_factory=list, description="PEM/DER roots `sohoa archive verify` trusts (the agency CA)"
    )
    timezone: str = Field("Asia/Ho_Chi_Minh", description="Time zone of the stamp's ISO 8601 time")
    pkcs11_module: Path | None = Field(
        None,
        description="PKCS#11 module of the agency's token or HSM (e.g. /usr/lib/x86_64-linux-gnu/"
        "opensc-pkcs11.so); when set, copies are signed on the token and the PKCS#12 file is not used",
    )
    pkcs11_token_label: str | None = Field(
        None, min_length=1, max_length=32, description="Label of the token (default: the first token)"
    )
    pkcs11_key_label: str | None = Field(
        None, min_length=1, max_length=200, description="Label of the signing key and its certificate"
    )
    pkcs11_pin: SecretStr | None = Field(None, description="User PIN of the token (from the environment)")
    pkcs11_raw_ecdsa: bool = Field(
        False,
        description="ECDSA keys: hash on the host and give the token only the digest (tokens without "
        "hash-and-sign ECDSA mechanisms, e.g. SoftHSM2)",
    )


class DossierSettings(BaseModel):
    """Dossier codes (mã hồ sơ) of this agency."""

    agency_id: str = Field(
        "000.00.00.H00",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]{0,39}$",
        description="The agency's identifier (mã định danh cơ quan) that starts every archival fileCode",
    )
    file_code_format: str = Field(
        "{agency}.{year}.{number}",
        pattern=r"^[^{}]*\{agency\}[^{}]*\{year\}[^{}]*\{number\}[^{}]*$",
        max_length=100,
        description="How a fileCode is written: {agency}, {year} (4 digits) and {number} (số và ký hiệu "
        "hồ sơ) in this order, with the separators between them",
    )
    number_pattern: str = Field(
        r"[A-Za-z0-9][A-Za-z0-9-]{0,39}",
        max_length=200,
        description="Regular expression a dossier number/notation ({number}) must match",
    )


class Settings(BaseSettings):
    """sohoa's configuration (env prefix ``SOHOA_``, nested with ``__``)."""

    model_config = SettingsConfigDict(
        env_prefix="SOHOA_",
        env_nested_delimiter="__",
        env_file=None,
        extra="ignore",
    )

    home: Path = Field(default_factory=sohoa_home, description="Data folder of the local services")
    cache_dir: Path = Field(
        default_factory=lambda: Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sohoa",
        description="Downloads and builds cached across clones",
    )
    elasticsearch: ElasticsearchSettings = Field(default_factory=ElasticsearchSettings)
    minio: MinioSettings = Field(default_factory=MinioSettings)
    prefect: PrefectSettings = Field(default_factory=PrefectSettings)
    ocr: OcrSettings = Field(default_factory=OcrSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    qa: QaSettings = Field(default_factory=QaSettings)
    split: SplitSettings = Field(default_factory=SplitSettings)
    archive: ArchiveSettings = Field(default_factory=ArchiveSettings)
    signing: SigningSettings = Field(default_factory=SigningSettings)
    dossier: DossierSettings = Field(default_factory=DossierSettings)

    @classmethod
    def load(cls) -> Settings:
        """Settings from the environment, then ``$SOHOA_HOME/local.env``, then defaults."""
        env_file = sohoa_home() / "local.env"
        return cls(_env_file=env_file if env_file.is_file() else None)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; call ``get_settings.cache_clear()`` after changing env)."""
    return Settings.load()
