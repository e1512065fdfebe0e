"""The ingest flow on a local Dask cluster (the scale-out option), against the real services."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.samples import SAMPLE_DOCS, render_page
from flows.ingest import ingest_batch
from flows.runners import make_task_runner
from sohoa.settings import PrefectSettings, Settings
from storage.index import SearchIndex

pytestmark = [pytest.mark.services, pytest.mark.slow]


def test_ingest_on_a_local_dask_cluster(archive: Settings, tmp_path: Path) -> None:
    for doc in SAMPLE_DOCS[:2]:
        render_page(doc).save(tmp_path / f"{doc.file.rsplit('.', 1)[0]}.png")
    runner = make_task_runner(PrefectSettings(task_runner="dask", task_workers=2))
    report = ingest_batch.with_options(task_runner=runner)(source=str(tmp_path), batch_id="dask-1")
    assert [f.status.value for f in report.files] == ["stored", "stored"]
    index = SearchIndex.from_settings(archive.elasticsearch)
    index.refresh()
    assert index.count() == 2
