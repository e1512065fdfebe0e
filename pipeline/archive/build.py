"""Make, validate and sign archive copies: the stage the flow and the CLI run over stored documents.

For a list of documents: write each PDF/A copy, sign it and verify its signature at once, and hand the
signed file to one resident veraPDF JVM, which validates it while the next copy is made (signing must
not break PDF/A, so the signed file is what is validated; a signed copy that fails is validated again
unsigned, to tell which step broke it). A copy that fails any check comes back with ``compliant=False``
and the reasons.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import x509

from pipeline.archive._exec.verapdf import VeraPdf, VeraPdfServer, validate
from pipeline.archive.pdfa import PdfaContext, make_pdfa
from pipeline.archive.signing import SigningContext, TokenRef, load_roots, open_signer, sign_pdf, verify_pdf
from pipeline.archive.stamp import stamp_characters
from sohoa.digest import sha256_file
from sohoa.errors import SohoaError, error_info
from sohoa.model.archive import ArchiveMeta, ArchiveRecord, PdfaCheck, SignatureCheck
from sohoa.model.ocr import OcrDocument
from sohoa.settings import Settings

__all__ = ["ArchiveContext", "CopyJob", "make_copies", "verapdf_tool"]

log = logging.getLogger(__name__)

JAVA_CANDIDATES = (
    "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java",
    "/usr/lib/jvm/java-17-openjdk-amd64/bin/java",
)

#: (original file, its media type, its OCR result, the XMP metadata, where the signed copy goes)
CopyJob = tuple[Path, str, OcrDocument, ArchiveMeta, Path]


def verapdf_tool(settings: Settings) -> VeraPdf:
    """VeraPDF as installed by ``sohoa services up`` (``cli/services/verapdf.py``) for these settings."""
    java = settings.archive.java
    if java is None:
        found = next((Path(c) for c in JAVA_CANDIDATES if Path(c).is_file()), None)
        which = shutil.which("java")
        java = found or (Path(which) if which else Path("/usr/bin/java"))
    lib = settings.cache_dir / "verapdf" / settings.archive.verapdf_version / "lib"
    return VeraPdf(lib_dir=lib, java=java, version=settings.archive.verapdf_version)


@dataclass(frozen=True)
class ArchiveContext:
    """Everything making copies needs, built once from the settings (picklable)."""

    pdfa: PdfaContext
    verapdf: VeraPdf
    signing: SigningContext | None
    trust_roots: tuple[Path, ...] = ()
    verapdf_batch: int = 25
    verapdf_timeout: float = 900.0
    #: also validate before signing (the benchmark's "still PDF/A after signing"); otherwise only a
    #: signed copy that fails is validated again unsigned, to tell which step broke it
    check_before_signing: bool = False

    @classmethod
    def from_settings(cls, settings: Settings, *, sign: bool | None = None) -> ArchiveContext:
        """The context for these settings; no signing when it is off or no certificate is configured."""
        s, a = settings.signing, settings.archive
        signing = None
        want = a.sign if sign is None else sign
        token = None
        if s.pkcs11_module is not None:
            pin = s.pkcs11_pin.get_secret_value().encode() if s.pkcs11_pin is not None else None
            token = TokenRef(
                s.pkcs11_module, s.pkcs11_token_label, s.pkcs11_key_label, pin, s.pkcs11_raw_ecdsa
            )
        p12 = s.pkcs12_path if s.pkcs12_password is not None else None
        if want and (token is not None or p12 is not None):
            signing = SigningContext(
                agency=s.agency_name,
                pkcs12=p12,
                password=s.pkcs12_password.get_secret_value().encode() if s.pkcs12_password else b"",
                font=a.font,
                timezone=s.timezone,
                token=token,
            )
        return cls(
            pdfa=PdfaContext(
                font=a.font,
                producer="sohoa",
                gs_timeout=a.ghostscript_timeout,
                stamp_characters=stamp_characters(signing.agency) if signing is not None else "",
            ),
            verapdf=verapdf_tool(settings),
            signing=signing,
            trust_roots=tuple(s.trust_roots),
            verapdf_batch=a.verapdf_batch,
            verapdf_timeout=a.verapdf_timeout,
        )


def _validate(ctx: ArchiveContext, paths: list[Path]) -> dict[Path, PdfaCheck]:
    out: dict[Path, PdfaCheck] = {}
    for i in range(0, len(paths), ctx.verapdf_batch):
        chunk = paths[i : i + ctx.verapdf_batch]
        out.update(validate(ctx.verapdf, chunk, timeout=ctx.verapdf_timeout))
    return out


def _problems(check: PdfaCheck | None, when: str) -> list[str]:
    if check is None or check.compliant:
        return []
    if check.error:
        return [f"PDF/A ({when}): {check.error}"]
    return [f"PDF/A ({when}): {f.clause}-{f.test} {f.description[:160]}" for f in check.failures] or [
        f"PDF/A ({when}): not compliant"
    ]


def make_copies(jobs: Sequence[CopyJob], ctx: ArchiveContext, *, work: Path) -> list[ArchiveRecord]:
    """Make, validate and (when configured) sign the copy of each job; one record per job, in order.

    Each copy is signed as soon as it is made and handed to one resident veraPDF JVM
    (:class:`VeraPdfServer`), which starts while the first copy is being made and validates each while
    the next is made. A document whose copy cannot be made at all gets a record with the error in
    ``problems``; the others go on.
    """
    work.mkdir(parents=True, exist_ok=True)
    seconds: dict[int, float] = dict.fromkeys(range(len(jobs)), 0.0)
    unsigned: dict[int, Path] = {}
    signed: dict[int, Path] = {}
    first: dict[Path, PdfaCheck] = {}
    problems: dict[int, list[str]] = {i: [] for i in range(len(jobs))}
    sigs: dict[int, SignatureCheck] = {}
    roots: list[x509.Certificate] = load_roots(list(ctx.trust_roots)) if ctx.trust_roots else []
    with ExitStack() as stack:
        t = time.perf_counter()
        signer, no_signer = None, ""
        if ctx.signing is not None and jobs:
            try:  # one key load (or token session) for every copy of the run
                signer = stack.enter_context(open_signer(ctx.signing))
            except SohoaError as e:
                no_signer = e.message
        server = stack.enter_context(
            VeraPdfServer(ctx.verapdf, work=work / "verapdf", timeout=ctx.verapdf_timeout)
        )
        share = (time.perf_counter() - t) / max(len(jobs), 1)

        def sign(i: int, path: Path) -> None:
            t = time.perf_counter()
            if ctx.signing is None:
                server.submit(path)  # the copy itself is what is kept
            elif signer is None:
                problems[i].append(f"not signed: {no_signer}")
            else:
                try:
                    sign_pdf(path, path.with_name("signed.pdf"), ctx.signing, signer=signer)
                    signed[i] = path.with_name("signed.pdf")
                    server.submit(signed[i])
                    sigs[i] = verify_pdf(signed[i], roots)  # while veraPDF reads it
                except SohoaError as e:
                    problems[i].append(f"not signed: {e.message}")
            seconds[i] += time.perf_counter() - t

        for i, (original, media_type, doc, meta, _) in enumerate(jobs):
            t = time.perf_counter()
            seconds[i] += share
            scratch = work / f"{i:05d}-{doc.sha256[:12]}"
            try:
                unsigned[i] = make_pdfa(
                    original,
                    doc.model_copy(update={"media_type": media_type}),
                    meta,
                    scratch / "pdfa.pdf",
                    work=scratch,
                    ctx=ctx.pdfa,
                )
            except SohoaError as e:
                problems[i].append(f"copy not made: {e.message}")
            except Exception as e:  # per-document guard: one bad file must not sink the others
                log.exception("%s: archive copy failed", doc.sha256[:12])
                problems[i].append(f"copy not made: {error_info(e)['message']}")
            seconds[i] += time.perf_counter() - t
            if i in unsigned and not ctx.check_before_signing:
                sign(i, unsigned[i])
        if ctx.check_before_signing:  # the benchmark's "still PDF/A after signing": unsigned first
            t = time.perf_counter()
            first = _validate(ctx, list(unsigned.values()))
            for i in unsigned:
                seconds[i] += (time.perf_counter() - t) / len(unsigned)
                if first[unsigned[i]].compliant:
                    sign(i, unsigned[i])
                elif ctx.signing is not None:  # (unsigned copies' problems are added below)
                    problems[i] += _problems(first[unsigned[i]], "unsigned")
        t = time.perf_counter()
        checks = server.results()
        wait = (time.perf_counter() - t) / max(len(checks), 1)
    for i in unsigned:
        seconds[i] += wait if (signed.get(i) or unsigned[i]) in checks else 0.0
    if ctx.signing is None:
        first.update({p: checks[p] for p in unsigned.values() if p in checks})
    second = {p: checks[p] for p in signed.values()}
    # a signed copy that fails: was the copy already broken, or did signing break it?
    retry = [unsigned[i] for i, p in signed.items() if not second[p].compliant and unsigned[i] not in first]
    first.update(_validate(ctx, retry))
    records: list[ArchiveRecord] = []
    for i, (_, _, doc, meta, out) in enumerate(jobs):
        final = signed.get(i) or (unsigned.get(i) if ctx.signing is None else None)
        check = second.get(signed[i]) if i in signed else first.get(unsigned[i]) if i in unsigned else None
        sig = sigs.get(i)
        if sig is not None:
            problems[i] += _problems(check, "signed")
            if not sig.intact:
                problems[i].append(f"signature does not verify: {sig.summary}")
        elif ctx.signing is None and i in unsigned:
            problems[i] += _problems(check, "unsigned")
        original_size = jobs[i][0].stat().st_size
        size = 0
        sha = ""
        if final is not None and not problems[i]:
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(final, out)
            sha, size = sha256_file(out)
        elif final is not None:
            size = final.stat().st_size
        records.append(
            ArchiveRecord(
                document_id=doc.sha256,
                sha256=sha,
                size=size,
                original_size=original_size,
                pages=len(doc.pages),
                meta=meta,
                pdfa=check,
                pdfa_unsigned=first.get(unsigned[i]) if i in unsigned else None,
                signature=sig,
                signed=i in signed,
                compliant=not problems[i] and final is not None,
                problems=problems[i],
                made_at=datetime.now(UTC).isoformat(timespec="seconds"),
                seconds=round(seconds[i], 3),
            )
        )
    for i in range(len(jobs)):
        shutil.rmtree(work / f"{i:05d}-{jobs[i][2].sha256[:12]}", ignore_errors=True)
    return records
