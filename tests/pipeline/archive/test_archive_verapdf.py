"""The veraPDF wrapper: many files per JVM, a verdict for each, never "compliant" by default."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.archive._exec.verapdf import VeraPdf, _jvm_options, validate
from sohoa.errors import MissingDependencyError


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
