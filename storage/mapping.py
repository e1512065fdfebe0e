"""The index's analysis and mappings, as data.

Changing anything here that changes how existing documents are indexed means bumping
:data:`MAPPING_VERSION`: ``sohoa reindex`` then builds ``<prefix>-documents-v<N>`` from MinIO and swaps
the alias, with no downtime.

Analysis (same behaviour on the minimal local server and a full Elasticsearch 9):

- ``vi_exact``: standard tokenizer + lowercase on NFC text; keeps diacritics, so ``Hà`` ≠ ``Hạ``. The main
  field of every text; exact spellings score here first.
- ``vi_folded``: the same + ASCII folding (``quyết định`` → ``quyet dinh``, ``đ`` → ``d``), on the
  ``.folded`` subfields. The folding filter is ``sohoa_folding`` (sohoa's plugin for distributions without
  analysis-common) or the built-in ``asciifolding``: both are Lucene's ASCIIFoldingFilter.
- Keys that filters match on (``so_ky_hieu_key``, ``loai_van_ban_key``, ``co_quan_ban_hanh_key``) are
  computed in Python by :mod:`sohoa.text`, because neither distribution-independent normalizers nor the
  keyword tokenizer exist on the minimal server.

Version 2 (speed): page text is a plain multi-valued field instead of nested documents, indexed with
offsets (cheap highlighting), and facet keywords build their global ordinals at refresh.

Version 3: the scan quality gate (``needs_rescan``, ``qa_codes``) and, for documents split out of a scanned
file, that file's SHA-256 (``source_sha256``).

Version 4 (review): review reason codes and fields, corrected fields, approval time and user, metadata
version. Only fields were added, so :meth:`storage.index.SearchIndex.ensure` adds them to an older index in
place; ``sohoa reindex`` fills them for documents indexed before.

Version 5 (page stamps): who the signature stamps drawn into the pages name (``stamp_signed_by``) and
when they say it was signed (``stamp_signed_at``), as OCR read them; kept apart from ``signed_by``, which
only verified PDF signatures fill. Fields added only, as in v4: in place, then ``sohoa reindex``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FOLDING_FILTERS", "MAPPING_VERSION", "index_body"]

MAPPING_VERSION = 5

#: folding filter types in order of preference: sohoa's plugin, then the built-in one
FOLDING_FILTERS: tuple[str, ...] = ("sohoa_folding", "asciifolding")

_TEXT: dict[str, Any] = {
    "type": "text",
    "analyzer": "vi_exact",
    "fields": {"folded": {"type": "text", "analyzer": "vi_folded"}},
}
# A display/facet keyword that is also searchable as text.
_KEYWORD_TEXT: dict[str, Any] = {
    "type": "keyword",
    "ignore_above": 512,
    "fields": {
        "text": {"type": "text", "analyzer": "vi_exact"},
        "folded": {"type": "text", "analyzer": "vi_folded"},
    },
}
_KEYWORD: dict[str, Any] = {"type": "keyword", "ignore_above": 512}
# Facet keys: global ordinals are built at refresh, not by the first search after it.
_FACET_KEYWORD: dict[str, Any] = {**_KEYWORD, "eager_global_ordinals": True}
# Page text: offsets in the postings let the unified highlighter mark hits without re-analyzing pages.
_PAGE_TEXT: dict[str, Any] = {
    "type": "text",
    "analyzer": "vi_exact",
    "index_options": "offsets",
    "fields": {"folded": {"type": "text", "analyzer": "vi_folded", "index_options": "offsets"}},
}

_PROPERTIES: dict[str, Any] = {
    # identity and provenance
    "sha256": {"type": "keyword"},
    "source_file": _KEYWORD_TEXT,
    "media_type": _KEYWORD,
    "size": {"type": "long"},
    "batch": _FACET_KEYWORD,
    "dossier_code": _FACET_KEYWORD,
    "uploader": _KEYWORD,
    "page_count": {"type": "integer"},
    "language": _KEYWORD,
    "ocr_confidence": {"type": "float"},
    "access_level": _FACET_KEYWORD,
    "needs_review": {"type": "boolean"},
    "ingested_at": {"type": "date"},
    # metadata (names of sohoa.model.document.FIELD_NAMES)
    "so_ky_hieu": _KEYWORD_TEXT,
    "so_ky_hieu_key": _KEYWORD,
    "so": {"type": "integer"},
    "ky_hieu": _KEYWORD,
    "ngay_ban_hanh": {"type": "date", "format": "strict_date"},
    "year": {"type": "short"},
    "noi_ban_hanh": _KEYWORD_TEXT,
    "loai_van_ban": _KEYWORD_TEXT,
    "loai_van_ban_key": _FACET_KEYWORD,
    "ma_loai": _KEYWORD,
    "co_quan_ban_hanh": _KEYWORD_TEXT,
    "co_quan_ban_hanh_key": _FACET_KEYWORD,
    "co_quan_chu_quan": _KEYWORD_TEXT,
    "trich_yeu": _TEXT,
    "nguoi_ky": _KEYWORD_TEXT,
    "chuc_vu_ky": _KEYWORD_TEXT,
    "hinh_thuc_ky": _KEYWORD,
    "noi_nhan": _KEYWORD_TEXT,
    "kinh_gui": _KEYWORD_TEXT,
    "do_mat": _KEYWORD,
    "do_khan": _KEYWORD,
    "ma_ho_so": _KEYWORD,
    # embedded PDF signatures: who signed (certificate common names) and whether every one verifies
    "signed_by": _FACET_KEYWORD,
    "signature_valid": {"type": "boolean"},
    # signature stamps drawn into the pages (mapping v5): what OCR read, not a verified signature
    "stamp_signed_by": _FACET_KEYWORD,
    "stamp_signed_at": {"type": "date"},
    # Per-page text as an array of objects (not nested): Lucene sees one multi-valued ``pages.text``
    # field, so scoring is a plain match it can skip through instead of a block join over every page.
    # Which pages matched is read from the highlighter, which returns each matching value whole (see
    # storage.query); position_increment_gap keeps the values apart, so a phrase never spans two pages.
    # the scan quality gate (sohoa.model.qa) and the scanned file a split document came from
    "needs_rescan": {"type": "boolean"},
    "qa_codes": _FACET_KEYWORD,
    "source_sha256": _KEYWORD,
    "pages": {
        "type": "object",
        "dynamic": "strict",
        "properties": {"number": {"type": "integer", "index": False}, "text": _PAGE_TEXT},
    },
    # review and correction (mapping v4)
    "review_reasons": _FACET_KEYWORD,
    "review_fields": _FACET_KEYWORD,
    "corrected_fields": _KEYWORD,
    "reviewed_at": {"type": "date"},
    "reviewed_by": _KEYWORD,
    "version": {"type": "integer"},
}


def index_body(folding_filter: str) -> dict[str, Any]:
    """Settings and mappings of a documents index.

    Args:
        folding_filter: ``sohoa_folding`` or ``asciifolding`` (whichever the cluster has).

    Returns:
        The body for ``indices.create``.
    """
    if folding_filter not in FOLDING_FILTERS:
        raise ValueError(f"unknown folding filter {folding_filter!r}")
    return {
        "settings": {
            "number_of_shards": 1,
            # 0 replicas on a single node (green), 1 as soon as a second node joins.
            "auto_expand_replicas": "0-1",
            "refresh_interval": "1s",
            "analysis": {
                "filter": {"vi_fold": {"type": folding_filter}},
                "analyzer": {
                    "vi_exact": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase"]},
                    "vi_folded": {
                        "type": "custom",
                        "tokenizer": "standard",
                        "filter": ["lowercase", "vi_fold"],
                    },
                },
            },
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": {"sohoa_mapping_version": MAPPING_VERSION, "folding_filter": folding_filter},
            "properties": _PROPERTIES,
        },
    }
