"""A process that saves corrections of one document, for the kill -9 test (run as a script).

    python tests/pipeline/revise_child.py <bucket> <index prefix> <sha> loop <first k>
        save versions k, k+1, ... as fast as it can, printing ``saved <k>`` after each
    python tests/pipeline/revise_child.py <bucket> <index prefix> <sha> slow <k>
        save version k with the body of the PUT of document.json trickling out, printing ``mid-put`` once
        half of it has been sent (so the parent's kill lands inside the commit write)

Correction k sets three fields that must always agree: ``so_ky_hieu`` k/QĐ-UBND, ``trich_yeu`` "lần k" and
``ngay_ban_hanh`` 2025-01-01 plus k days: a stored document mixing two saves would show it.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from typing import Any

from pipeline.revise import correct_document
from sohoa.settings import get_settings
from storage.index import SearchIndex
from storage.objects import ObjectStore


def values(k: int) -> dict[str, str]:
    """The fields of correction ``k``."""
    day = dt.date(2025, 1, 1) + dt.timedelta(days=k)
    return {"so_ky_hieu": f"{k}/QĐ-UBND", "trich_yeu": f"lần {k}", "ngay_ban_hanh": day.isoformat()}


def _trickle(store: ObjectStore) -> None:
    http = store.client._http
    urlopen = http.urlopen

    def slow(method: str, url: str, body: Any = None, **kw: Any) -> Any:
        if method == "PUT" and "document.json" in url and isinstance(body, bytes | bytearray):
            data = bytes(body)

            def chunks() -> Any:
                half = len(data) // 2
                for i in range(0, len(data), 128):
                    if i >= half:
                        print("mid-put", flush=True)
                        time.sleep(30)  # the parent kills us here
                    yield data[i : i + 128]

            body = chunks()
        return urlopen(method, url, body=body, **kw)

    http.urlopen = slow  # type: ignore[method-assign]


def main() -> None:
    """Run as described in the module docstring."""
    bucket, prefix, sha, mode, first = sys.argv[1:6]
    settings = get_settings()
    store = ObjectStore.from_settings(settings.minio, bucket=bucket)
    index = SearchIndex.from_settings(settings.elasticsearch, prefix=prefix)
    k = int(first)
    if mode == "slow":
        _trickle(store)
        correct_document(store, index, sha, values(k), by="child")
        return
    while True:
        correct_document(store, index, sha, values(k), by="child")
        print(f"saved {k}", flush=True)
        k += 1


if __name__ == "__main__":
    main()
