"""The tasks' retry policy follows each error's own ``retryable`` (no server needed)."""

from __future__ import annotations

import pytest
from prefect.states import Completed, Failed

from flows.tasks import retry_if_retryable, retrying
from sohoa.errors import CorruptFileError, ObjectNotFoundError, SearchIndexError, StorageError


def test_retry_follows_the_errors_retryable_attribute() -> None:
    assert retry_if_retryable(None, None, Failed(data=StorageError("minio down")))  # type: ignore[arg-type]
    assert retry_if_retryable(None, None, Failed(data=SearchIndexError("es down")))  # type: ignore[arg-type]
    assert not retry_if_retryable(None, None, Failed(data=ObjectNotFoundError("gone")))  # type: ignore[arg-type]
    assert not retry_if_retryable(None, None, Failed(data=CorruptFileError("bad scan")))  # type: ignore[arg-type]
    assert not retry_if_retryable(None, None, Failed(data=ValueError("a bug")))  # type: ignore[arg-type]
    assert not retry_if_retryable(None, None, Completed(data=1))  # type: ignore[arg-type]


def test_steps_are_retried_in_place_only_for_retryable_errors() -> None:
    calls: list[str] = []

    def flaky(kind: str) -> str:
        calls.append(kind)
        if len(calls) < 3:
            raise StorageError("minio down") if kind == "service" else CorruptFileError("bad scan")
        return "done"

    assert retrying(flaky, base_seconds=0.0)("service") == "done"
    assert calls == ["service"] * 3
    calls.clear()
    with pytest.raises(CorruptFileError):
        retrying(flaky, base_seconds=0.0)("file")
    assert calls == ["file"]  # a bad file is never tried again
    calls.clear()
    with pytest.raises(StorageError):
        retrying(flaky, retries=1, base_seconds=0.0)("service")
    assert calls == ["service"] * 2  # and a service that stays down gives up after its retries
