"""Session fixtures: the real local services, started once (or reused) by the project's own scripts.

Prefect reads its settings when first imported, so its environment is set here, before any test module
imports it. Tests that need a service take the ``services`` fixture (or a fixture built on it); pure
tests take nothing and run without any server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from cli.services import prefect_env
from sohoa.settings import Settings, get_settings

for _key, _value in prefect_env(get_settings()).items():
    os.environ.setdefault(_key, _value)


@pytest.fixture(scope="session")
def services() -> Iterator[Settings]:
    """Start (or reuse) the local Elasticsearch, MinIO and Prefect; yield settings with their credentials."""
    from cli import services as local

    rows = local.up()
    unhealthy = [r for r in rows if r.managed and not r.healthy]
    assert not unhealthy, f"services not healthy: {unhealthy}"
    get_settings.cache_clear()
    yield get_settings()


@pytest.fixture
def run_id() -> str:
    """A short unique id for names of buckets and indices this test creates."""
    return uuid.uuid4().hex[:10]
