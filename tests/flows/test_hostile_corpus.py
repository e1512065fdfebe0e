"""The hostile corpus through the real flow on the real services: no crashed batch, every file reported,
good files stored, bad ones refused with their own error type, message and advice.

The corpus (``tests/flows/hostile.py``) is built by the project itself: zero-byte, truncated, encrypted,
corrupt and mislabelled files, decompression bombs in PNG/TIFF/JPEG/PDF, page-count bombs, a PDF page-tree
loop, symbolic links, a multi-page TIFF with a corrupt frame, CMYK/16-bit/alpha/palette/bilevel images,
hostile file names, and zip batches (zip slip, absolute paths, links, a zip bomb, too many members, a
damaged member).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.ingest import ingest_batch
from sohoa.model.report import BatchReport, BatchState
from sohoa.settings import Settings
from storage.objects import ARTIFACT_DOCUMENT, ObjectStore
from tests.flows.hostile import GOOD, Expect, write_corpus, write_zips

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Expect]]:
    root = tmp_path_factory.mktemp("hostile")
    return root, write_corpus(root)


@pytest.fixture(scope="module")
def report(archive: Settings, corpus: tuple[Path, dict[str, Expect]]) -> BatchReport:
    return ingest_batch(source=str(corpus[0]), batch_id="hostile-corpus")


def test_the_corpus_has_at_least_50_files_and_covers_the_list(corpus: tuple[Path, dict[str, Expect]]) -> None:
    _, expected = corpus
    zips = write_zips(corpus[0].parent / "zips-count")
    assert len(expected) + len(zips) >= 50
    names = " ".join([*expected, *zips])
    for kind in ("empty", "truncated", "encrypted", "corrupt", "bomb-pages", "bomb.jpg", "bomb.tif",
                 "bomb-image.pdf", "zip-slip", "zip-bomb", "link", "bad-middle-frame", "cmyk", "gray16",
                 "alpha", "-named."):  # fmt: skip
        assert kind in names, kind


def test_every_file_is_reported_with_its_expected_outcome(
    report: BatchReport, corpus: tuple[Path, dict[str, Expect]]
) -> None:
    _, expected = corpus
    assert report.state is BatchState.COMPLETED and report.error is None
    got = {f.path: f for f in report.files}
    assert set(got) == set(expected)
    wrong = {}
    for name, expect in expected.items():
        f = got[name]
        error = f.error["type"] if f.error else None
        if f.status.value not in expect.statuses or (expect.errors and error not in expect.errors):
            wrong[name] = (f.status.value, error, f.error and f.error["message"])
    assert wrong == {}
    for f in report.files:
        if f.error:
            assert f.error["message"] and f.error["advice"], f
    # each refusal names the file (or its link) in its own words
    refusals = [f for f in report.files if f.error]
    assert len({f.error["message"] for f in refusals if f.error}) == len(refusals)


def test_good_files_are_stored_and_bad_ones_are_not(archive: Settings, report: BatchReport) -> None:
    store = ObjectStore.from_settings(archive.minio)
    assert store.get_report("hostile-corpus")["totals"]["files"] == len(report.files)
    originals = set(store.iter_originals())
    for f in report.files:
        if f.status.value in GOOD:
            assert f.document_id in originals and ARTIFACT_DOCUMENT in store.list_artifacts(f.document_id)
            assert f.pages >= 1
        elif f.status.value == "failed":
            assert f.document_id not in originals, f.path  # refused before anything reached the archive
    bad_frame = next(f for f in report.files if f.path == "bad-middle-frame.tif")
    assert bad_frame.failed_pages == [2] and bad_frame.pages == 3
    assert any("page 2 failed" in r for r in bad_frame.reasons)


def test_zip_batches_are_refused_or_isolate_their_damaged_member(archive: Settings, tmp_path: Path) -> None:
    store = ObjectStore.from_settings(archive.minio)
    for name, expect in write_zips(tmp_path).items():
        batch = "zip-" + name.removesuffix(".zip")
        report = ingest_batch(source=str(tmp_path / name), batch_id=batch)
        assert store.get_report(batch)["batch"] == batch  # the report is written, whatever happened
        if expect.statuses == {"failed"}:
            assert report.state is BatchState.FAILED and report.error is not None, name
            assert report.error["type"] in expect.errors and report.error["message"], report.error
            assert not (tmp_path.parent / "escaped.png").exists()
        else:
            got = {f.path: (f.status.value, f.error["type"] if f.error else None) for f in report.files}
            assert got["good.png"][0] in GOOD and got["damaged.png"] == ("failed", "CorruptFileError"), got
