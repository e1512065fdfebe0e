"""The veraPDF wrapper: many files per JVM, a verdict for each (even when one file kills the JVM), never
"compliant" by default."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pipeline.archive._exec import verapdf as verapdf_exec
from pipeline.archive._exec.verapdf import VeraPdf, VeraPdfServer, _jvm_options, validate
from pipeline.archive.pdfa import make_pdfa
from sohoa.errors import MissingDependencyError
from sohoa.model.archive import ArchiveMeta
from sohoa.model.ocr import OcrDocument


@pytest.mark.slow
def test_broken_and_plain_pdfs_are_not_compliant(verapdf: VeraPdf, tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\nthis is not a PDF body\n")
    plain = tmp_path / "plain.pdf"
    from PIL import Image

    Image.new("L", (200, 100), 255).save(plain, format="PDF")
    result = validate(verapdf, [broken, plain])
    assert set(result) == {broken, plain}
    assert not result[broken].compliant
    assert not result[plain].compliant and result[plain].failures  # no XMP, no output intent
    assert any(f.clause.startswith("6.6") for f in result[plain].failures)


def test_missing_install_is_a_clear_error(tmp_path: Path) -> None:
    tool = VeraPdf(lib_dir=tmp_path / "none", java=Path("/usr/bin/java"))
    with pytest.raises(MissingDependencyError, match="services up"):
        validate(tool, [tmp_path / "x.pdf"])


def test_class_data_archive_only_on_new_javas(tmp_path: Path) -> None:
    new = VeraPdf(lib_dir=tmp_path / "lib", java=Path("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"))
    old = VeraPdf(lib_dir=tmp_path / "lib", java=Path("/usr/lib/jvm/java-17-openjdk-amd64/bin/java"))
    if not (new.java.is_file() and old.java.is_file()):
        pytest.skip("needs both Temurin 25 and Java 17")
    assert any(o.startswith("-XX:SharedArchiveFile=") for o in _jvm_options(new))
    assert not any("SharedArchive" in o for o in _jvm_options(old))


@pytest.mark.slow
def test_a_file_that_crashes_the_jvm_fails_alone_and_the_others_keep_their_verdicts(
    verapdf: VeraPdf,
    scans: dict[str, Path],
    ocred: dict[str, OcrDocument],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN one veraPDF call on four files, one of which kills the JVM (no report at all),
    THEN that file alone is failed with the error, and the three others get veraPDF's real verdicts
    (a compliant copy, a plain PDF with its rule failures, an unparsable file)."""
    from PIL import Image

    copy = make_pdfa(
        scans["gray"],
        ocred["gray"],
        ArchiveMeta(title="Công văn", source_sha256=ocred["gray"].sha256),
        tmp_path / "copy.pdf",
        work=tmp_path / "w",
    )
    plain, broken, crash = tmp_path / "plain.pdf", tmp_path / "broken.pdf", tmp_path / "crash.pdf"
    Image.new("L", (200, 100), 255).save(plain, format="PDF")
    broken.write_bytes(b"%PDF-1.7\nthis is not a PDF body\n")
    crash.write_bytes(plain.read_bytes())
    real = verapdf_exec._run
    calls: list[int] = []

    def jvm(argv: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[bytes]:
        files = [a for a in argv if a.endswith(".pdf")]
        calls.append(len(files))
        if str(crash) in files:  # what a JVM killed by a file looks like: no JSON on stdout
            return subprocess.CompletedProcess(
                argv, 134, b"", b"# A fatal error has been detected by the JRE"
            )
        return real(argv, env, timeout)

    monkeypatch.setattr(verapdf_exec, "_run", jvm)
    result = validate(verapdf, [copy, plain, crash, broken])
    assert set(result) == {copy, plain, crash, broken}
    assert not result[crash].compliant and "exit 134" in (result[crash].error or "")
    assert result[copy].compliant, result[copy].failures
    assert not result[plain].compliant and result[plain].failures and not result[plain].error
    assert not result[broken].compliant
    assert calls[0] == 4 and len(calls) > 1, "one call for all, then halves"


@pytest.mark.slow
def test_resident_jvm_validates_files_as_they_come_and_survives_its_own_death(
    verapdf: VeraPdf, scans: dict[str, Path], ocred: dict[str, OcrDocument], tmp_path: Path
) -> None:
    """GIVEN the resident veraPDF fed a compliant copy and a plain PDF, then killed (as by a file that
    crashes it), then fed a broken file and the copy again, THEN every file still gets a verdict: the
    JVM's own for those it did, a fresh batch call's for the rest."""
    from PIL import Image

    copy = make_pdfa(
        scans["bilevel"],
        ocred["bilevel"],
        ArchiveMeta(title="Công văn", source_sha256=ocred["bilevel"].sha256),
        tmp_path / "copy.pdf",
        work=tmp_path / "w",
    )
    plain, broken = tmp_path / "plain.pdf", tmp_path / "broken.pdf"
    Image.new("L", (200, 100), 255).save(plain, format="PDF")
    broken.write_bytes(b"%PDF-1.7\nthis is not a PDF body\n")
    again = tmp_path / "again.pdf"
    again.write_bytes(copy.read_bytes())
    with VeraPdfServer(verapdf, work=tmp_path / "jvm") as server:
        server.submit(copy)
        server.submit(plain)
        first = server.results()
        assert first[copy].compliant and not first[plain].compliant and first[plain].failures
        assert server._proc is not None
        server._proc.kill()
        server._proc.wait()
        server.submit(broken)
        server.submit(again)
        result = server.results()
    assert set(result) == {copy, plain, broken, again}
    assert result[again].compliant and not result[broken].compliant
    assert not list((tmp_path / "jvm").glob("tempReport*.xml")), "report files are removed"
