"""Storage and search: originals and artifacts in MinIO (the source of truth), the Elasticsearch index.

Public surface: :class:`ObjectStore` (``storage.objects``), :class:`SearchIndex` (``storage.index``),
:func:`reindex_from_store` (``storage.reindex``) and the search contract (``sohoa.model.search``).
This package never imports ``pipeline.metadata`` or Prefect.
"""

from sohoa.model.search import SearchHit, SearchQuery, SearchResult, Sort
from storage.index import BulkStats, SearchIndex
from storage.objects import ObjectStore, PutResult
from storage.reindex import ReindexReport, reindex_from_store

__all__ = [
    "BulkStats",
    "ObjectStore",
    "PutResult",
    "ReindexReport",
    "SearchHit",
    "SearchIndex",
    "SearchQuery",
    "SearchResult",
    "Sort",
    "reindex_from_store",
]
