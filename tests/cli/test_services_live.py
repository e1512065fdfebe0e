"""The local services are the real servers, and the basics sohoa builds on work against them."""

from __future__ import annotations

import io
import json
import urllib.request

import pytest
from elasticsearch import Elasticsearch, helpers
from minio import Minio

from cli import services as local
from sohoa.settings import Settings

pytestmark = pytest.mark.services


def _minio(s: Settings) -> Minio:
    assert s.minio.access_key and s.minio.secret_key
    return Minio(
        s.minio.endpoint,
        access_key=s.minio.access_key.get_secret_value(),
        secret_key=s.minio.secret_key.get_secret_value(),
        secure=s.minio.secure,
    )


def test_status_reports_real_servers(services: Settings) -> None:
    rows = {r.name: r for r in local.status(services)}
    assert rows["elasticsearch"].healthy and rows["elasticsearch"].version.startswith("9.")
    assert "JVM" in rows["elasticsearch"].version and "sohoa-analysis" in rows["elasticsearch"].detail
    assert rows["minio"].healthy and "Server: MinIO" in rows["minio"].detail
    assert rows["prefect"].healthy and rows["prefect"].version.startswith("3.")
    assert rows["tesseract"].healthy and rows["poppler"].healthy


def test_up_again_is_idempotent(services: Settings) -> None:
    before = {r.name: r.version for r in local.status(services)}
    after = {r.name: r.version for r in local.up(services)}
    assert before == after


def test_minio_put_stat_get_presign(services: Settings, run_id: str) -> None:
    client = _minio(services)
    bucket = f"test-infra-{run_id}"
    client.make_bucket(bucket)
    try:
        data = "Quyết định số 1340/QĐ-UBND".encode()
        client.put_object(
            bucket,
            "a/b.txt",
            io.BytesIO(data),
            len(data),
            content_type="text/plain",
            metadata={"batch": "b-1"},
        )
        stat = client.stat_object(bucket, "a/b.txt")
        assert stat.size == len(data) and stat.metadata["x-amz-meta-batch"] == "b-1"
        assert client.get_object(bucket, "a/b.txt").read() == data
        url = client.presigned_get_object(bucket, "a/b.txt")
        with urllib.request.urlopen(url) as r:  # noqa: S310 - loopback presigned URL
            assert r.read() == data
    finally:
        for obj in client.list_objects(bucket, recursive=True):
            client.remove_object(bucket, obj.object_name)
        client.remove_bucket(bucket)


def test_elasticsearch_custom_analyzer_bulk_highlight(services: Settings, run_id: str) -> None:
    es = Elasticsearch(services.elasticsearch.url)
    index = f"test-infra-{run_id}"
    es.indices.create(
        index=index,
        settings={
            "number_of_replicas": 0,
            "analysis": {
                "analyzer": {"folded": {"tokenizer": "standard", "filter": ["lowercase", "sohoa_folding"]}}
            },
        },
        mappings={"properties": {"text": {"type": "text", "analyzer": "folded"}}},
    )
    try:
        docs = [
            {"_index": index, "_id": str(i), "text": t}
            for i, t in enumerate(["Quyết định số 1340", "Công văn"])
        ]
        ok, errors = helpers.bulk(es, docs, refresh=True)
        assert ok == 2 and not errors
        r = es.search(
            index=index, query={"match": {"text": "quyet dinh"}}, highlight={"fields": {"text": {}}}
        )
        hits = r["hits"]["hits"]
        assert [h["_id"] for h in hits] == ["0"]
        assert hits[0]["highlight"]["text"] == ["<em>Quyết</em> <em>định</em> số 1340"]
    finally:
        es.indices.delete(index=index)


def test_trivial_flow_runs_on_the_prefect_server(services: Settings) -> None:
    from prefect import flow, task
    from prefect.client.orchestration import get_client

    @task
    def double(x: int) -> int:
        return 2 * x

    @flow(name=f"sohoa-smoke-{services.home.name}")
    def smoke(x: int) -> int:
        return double(x)

    state = smoke(21, return_state=True)
    assert state.is_completed() and state.result() == 42

    async def stored_state() -> str:
        async with get_client() as client:
            run = await client.read_flow_run(state.state_details.flow_run_id)
            return run.state.type.value

    import asyncio

    assert asyncio.run(stored_state()) == "COMPLETED"
    health = urllib.request.urlopen(services.prefect.api_url + "/health").read()  # noqa: S310
    assert json.loads(health) is True
