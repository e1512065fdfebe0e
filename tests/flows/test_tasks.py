"""The tasks' retry policy follows each error's own ``retryable`` (no server needed)."""

from __future__ import annotations

from prefect.states import Completed, Failed

from flows.tasks import retry_if_retryable
from sohoa.errors import CorruptFileError, ObjectNotFoundError, SearchIndexError, StorageError


def test_retry_follows_the_errors_retryable_attribute() -> None:
    assert retry_if_retryable(None, None, Failed(data=StorageError("minio down")))  # type: ignore[arg-type]
    assert retry_if_retryable(None, None, Failed(data=SearchIndexError("es down")))  # type: ignore[arg-type]
    assert not retry_if_retryable(None, None, Failed(data=ObjectNotFoundError("gone")))  # type: ignore[arg-type]
    assert not retry_if_retryable(None, None, Failed(data=CorruptFileError("bad scan")))  # type: ignore[arg-type]
    assert not retry_if_retryable(None, None, Failed(data=ValueError("a bug")))  # type: ignore[arg-type]
    assert not retry_if_retryable(None, None, Completed(data=1))  # type: ignore[arg-type]
