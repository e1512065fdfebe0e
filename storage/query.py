"""Build Elasticsearch query bodies from a SearchQuery, and SearchResults from responses.

Pure functions (no client), so ranking decisions are readable and testable in one place:

- every term is matched on the exact-accent field (boost 3) and the folded field (1.5): an accent-free
  query finds accented text, and an accented query ranks exact spellings first;
- a fuzzy match on the folded field adds typo tolerance at a small weight, so fuzzy hits follow the exact
  ones instead of swamping them;
- a document number in the query (``1340/QĐ-UBND``, ``1340 qd ubnd``) is matched on its normalized key with
  a boost that puts that document first;
- ``"quoted phrases"`` must occur as phrases (accent-free phrases match accented text);
- the access-level filter is always part of the query (an empty clearance matches nothing).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from pipeline.model import FIELD_NAMES, AccessLevel
from storage.keys import doc_number_key, facet_key, nfc
from storage.models import SearchHit, SearchQuery, SearchResult, Sort

__all__ = [
    "DISPLAY_FIELDS",
    "FACETS",
    "build_more_like_this_body",
    "build_search_body",
    "doc_number_candidates",
    "filter_clauses",
    "parse_response",
    "split_phrases",
]

#: metadata fields every hit shows (the CLI's ``--json`` shape)
DISPLAY_FIELDS: tuple[str, ...] = (
    "so_ky_hieu",
    "ngay_ban_hanh",
    "loai_van_ban",
    "co_quan_ban_hanh",
    "trich_yeu",
)

#: facet name → (index field, number of buckets)
FACETS: dict[str, tuple[str, int]] = {
    "loai_van_ban": ("loai_van_ban", 20),
    "co_quan_ban_hanh": ("co_quan_ban_hanh", 50),
    "year": ("year", 100),
}

_PHRASE = re.compile(r'"([^"]+)"')
# As printed: 1340/QĐ-UBND, 25/2024/NĐ-CP, 215/SNgV-VP.
_NUMBER_IN_TEXT = re.compile(r"(?<![\w/])\d{1,6}(?:/\d{2,4})?/[^\W\d_][^\W_]*(?:[-/.&][^\W_]+)*")
# A whole query that is a number typed with spaces: "1340 QĐ UBND", "số 07 tb cls".
_NUMBER_QUERY = re.compile(r"^(?:s[ốoóồ]\s*:?\s*)?\d{1,6}(?:[\s/.\-]+[^\W_]+){1,5}$", re.IGNORECASE)
_HAS_LETTER = re.compile(r"[^\W\d_]")

# "2<75%": up to two terms all must match; longer queries tolerate a quarter missing (OCR errors).
_MSM = "2<75%"
_FUZZINESS = "AUTO:4,8"
_NUMBER_BOOST = 100.0
_NUMBER_PREFIX_BOOST = 20.0
_INNER_HITS = 20
_MLT_CHARS = 8000
_HIGHLIGHT = {
    "pre_tags": ["<mark>"],
    "post_tags": ["</mark>"],
    # Fragments are safe HTML: the text is escaped, only <mark> is markup.
    "encoder": "html",
    "fragment_size": 160,
    "number_of_fragments": 2,
    "no_match_size": 0,
}


def split_phrases(text: str) -> tuple[list[str], str]:
    """Quoted phrases and the whole text without quotes: ``a "b c"`` → ``(["b c"], "a b c")``."""
    phrases = [p.strip() for p in _PHRASE.findall(text) if p.strip()]
    plain = " ".join(text.replace('"', " ").split())
    return phrases, plain


def doc_number_candidates(text: str) -> list[str]:
    """Keys of the document numbers a query contains (see :func:`storage.keys.doc_number_key`).

    >>> doc_number_candidates("quyết định 1340/QĐ-UBND")
    ['1340-QD-UBND']
    >>> doc_number_candidates("1340 qđ ubnd")
    ['1340-QD-UBND']
    """
    found = [m.group(0) for m in _NUMBER_IN_TEXT.finditer(text)]
    stripped = text.strip()
    if _NUMBER_QUERY.match(stripped) and _HAS_LETTER.search(stripped.lstrip("sSốoóồ: ")):
        found.append(stripped)
    keys: list[str] = []
    for candidate in found:
        key = doc_number_key(candidate)
        if key and key not in keys:
            keys.append(key)
    return keys


def filter_clauses(q: SearchQuery) -> list[dict[str, Any]]:
    """The filter clauses of a query; the access-level clause is always the first.

    Raises:
        ValueError: ``date_from`` is after ``date_to``.
    """
    if q.access_levels:
        levels = sorted({AccessLevel(a).value for a in q.access_levels})
        clauses: list[dict[str, Any]] = [{"terms": {"access_level": levels}}]
    else:
        # No clearance, no documents: never fall back to "no filter".
        clauses = [{"match_none": {}}]
    if q.loai_van_ban:
        clauses.append({"terms": {"loai_van_ban_key": sorted({facet_key(v) for v in q.loai_van_ban})}})
    if q.co_quan_ban_hanh:
        clauses.append(
            {"terms": {"co_quan_ban_hanh_key": sorted({facet_key(v) for v in q.co_quan_ban_hanh})}}
        )
    if q.date_from and q.date_to and q.date_from > q.date_to:
        raise ValueError(f"date_from {q.date_from} is after date_to {q.date_to}")
    if q.date_from or q.date_to:
        bounds: dict[str, str] = {}
        if q.date_from:
            bounds["gte"] = q.date_from.isoformat()
        if q.date_to:
            bounds["lte"] = q.date_to.isoformat()
        clauses.append({"range": {"ngay_ban_hanh": bounds}})
    if q.year is not None:
        clauses.append({"term": {"year": q.year}})
    if q.dossier_code:
        clauses.append({"term": {"dossier_code": nfc(q.dossier_code).strip()}})
    if q.batch:
        clauses.append({"term": {"batch": q.batch.strip()}})
    return clauses


def _page_clause(text: str) -> dict[str, Any]:
    """Scores documents by their best page: exact accents, folded, proximity, then typos."""
    return {
        "nested": {
            "path": "pages",
            "score_mode": "max",
            "query": {
                "bool": {
                    "should": [
                        {
                            "match": {
                                "pages.text": {"query": text, "minimum_should_match": _MSM, "boost": 3.0}
                            }
                        },
                        {
                            "match": {
                                "pages.text.folded": {
                                    "query": text,
                                    "minimum_should_match": _MSM,
                                    "boost": 1.5,
                                }
                            }
                        },
                        {"match_phrase": {"pages.text.folded": {"query": text, "slop": 3, "boost": 1.0}}},
                        {"match": {"pages.text.folded": {**_fuzzy(text), "boost": 0.2}}},
                    ],
                    "minimum_should_match": 1,
                }
            },
        }
    }


def _fuzzy(text: str) -> dict[str, Any]:
    return {
        "query": text,
        "fuzziness": _FUZZINESS,
        "prefix_length": 1,
        "max_expansions": 20,
        "minimum_should_match": _MSM,
    }


def _pages_clause(text: str) -> dict[str, Any]:
    """Names a hit's matching pages (inner hits) with snippets, without adding to its score.

    Inner hits re-run their nested query once per returned hit, so this one is kept lighter than the
    scoring clause (no proximity clause): that halves the cost of a page of results.
    """
    return {
        "nested": {
            "path": "pages",
            "score_mode": "none",
            "query": {
                "constant_score": {
                    "filter": {
                        "bool": {
                            "should": [
                                {
                                    "match": {
                                        "pages.text.folded": {"query": text, "minimum_should_match": _MSM}
                                    }
                                },
                                {"match": {"pages.text.folded": _fuzzy(text)}},
                            ]
                        }
                    },
                    "boost": 0.0,
                }
            },
            "inner_hits": {
                "name": "pages",
                "size": _INNER_HITS,
                "_source": False,
                "docvalue_fields": ["pages.number"],
                "highlight": {
                    **_HIGHLIGHT,
                    # Highlight what the scoring clause matched: exact spellings, then folded ones.
                    "fields": {
                        "pages.text": {"highlight_query": {"match": {"pages.text": text}}},
                        "pages.text.folded": {"highlight_query": {"match": {"pages.text.folded": text}}},
                    },
                },
            },
        }
    }


def _metadata_clause(text: str) -> dict[str, Any]:
    return {
        "multi_match": {
            "query": text,
            "type": "cross_fields",
            "minimum_should_match": _MSM,
            "fields": [
                "trich_yeu^3",
                "trich_yeu.folded^1.5",
                "so_ky_hieu.text^2",
                "so_ky_hieu.folded",
                "loai_van_ban.text",
                "loai_van_ban.folded^0.5",
                "co_quan_ban_hanh.text",
                "co_quan_ban_hanh.folded^0.5",
                "nguoi_ky.text",
                "nguoi_ky.folded^0.5",
                "source_file.folded^0.5",
            ],
        }
    }


def _phrase_clause(phrase: str) -> dict[str, Any]:
    return {
        "bool": {
            "should": [
                {
                    "nested": {
                        "path": "pages",
                        "query": {
                            "bool": {
                                "should": [
                                    {"match_phrase": {"pages.text": phrase}},
                                    {"match_phrase": {"pages.text.folded": phrase}},
                                ]
                            }
                        },
                    }
                },
                {"match_phrase": {"trich_yeu": phrase}},
                {"match_phrase": {"trich_yeu.folded": phrase}},
            ],
            "minimum_should_match": 1,
        }
    }


def _sort(q: SearchQuery, has_text: bool) -> list[Any]:
    # sha256 is the stable tiebreaker search_after needs (sorting on _id is disabled in ES 9).
    if q.sort is Sort.RELEVANCE and has_text:
        return [{"_score": "desc"}, {"sha256": "asc"}]
    order = "asc" if q.sort is Sort.DATE_ASC else "desc"
    return [{"ngay_ban_hanh": {"order": order, "missing": "_last"}}, {"sha256": "asc"}]


def build_search_body(q: SearchQuery) -> dict[str, Any]:
    """The ``search`` request body for a SearchQuery.

    Without text, relevance order falls back to newest first (every score would be equal).
    """
    text = nfc(q.text).strip()
    phrases, plain = split_phrases(text)
    must: list[dict[str, Any]] = []
    if plain:
        should: list[dict[str, Any]] = [_page_clause(plain), _pages_clause(plain), _metadata_clause(plain)]
        keys = doc_number_candidates(plain)
        if keys:
            should.append(
                {"constant_score": {"filter": {"terms": {"so_ky_hieu_key": keys}}, "boost": _NUMBER_BOOST}}
            )
            should.append(
                {
                    "constant_score": {
                        "filter": {
                            "bool": {"should": [{"prefix": {"so_ky_hieu_key": f"{k}-"}} for k in keys]}
                        },
                        "boost": _NUMBER_PREFIX_BOOST,
                    }
                }
            )
        must.append({"bool": {"should": should, "minimum_should_match": 1}})
    must.extend(_phrase_clause(p) for p in phrases)
    body: dict[str, Any] = {
        "query": {"bool": {"must": must or [{"match_all": {}}], "filter": filter_clauses(q)}},
        "size": q.size,
        "sort": _sort(q, bool(plain)),
        "track_total_hits": True,
        "_source": {"excludes": ["pages"]},
    }
    if plain and q.sort is not Sort.RELEVANCE:
        body["track_scores"] = True
    if q.search_after:
        body["search_after"] = list(q.search_after)
    if q.facets:
        body["aggs"] = {
            name: {
                "terms": {
                    "field": field,
                    "size": size,
                    **({"order": {"_key": "desc"}} if name == "year" else {}),
                }
            }
            for name, (field, size) in FACETS.items()
        }
    return body


def build_more_like_this_body(
    doc_id: str, source: Mapping[str, Any], access_levels: list[AccessLevel], size: int
) -> dict[str, Any]:
    """A query for documents like one whose source (with pages) is given.

    The "like" text is taken from the document itself (subject and the start of its pages), because
    term vectors of nested page text are not available for a document reference.
    """
    pages = source.get("pages") or []
    like = " ".join([source.get("trich_yeu") or "", *(p.get("text", "") for p in pages)])[:_MLT_CHARS]
    mlt = {
        "like": like,
        "min_term_freq": 1,
        "min_doc_freq": 2,
        "max_query_terms": 40,
        "minimum_should_match": "30%",
    }
    query = SearchQuery(access_levels=access_levels, size=size, facets=False)
    return {
        "query": {
            "bool": {
                "should": [
                    {
                        "nested": {
                            "path": "pages",
                            "score_mode": "max",
                            "query": {"more_like_this": {"fields": ["pages.text.folded"], **mlt}},
                        }
                    },
                    {"more_like_this": {"fields": ["trich_yeu.folded"], **mlt, "boost": 2.0}},
                ],
                "minimum_should_match": 1,
                "must_not": [{"ids": {"values": [doc_id]}}],
                "filter": filter_clauses(query),
            }
        },
        "size": size,
        "sort": [{"_score": "desc"}, {"sha256": "asc"}],
        "track_total_hits": True,
        "_source": {"excludes": ["pages"]},
    }


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _marks(fragments: list[str]) -> int:
    return sum(f.count("<mark>") for f in fragments)


def _parse_hit(hit: Mapping[str, Any]) -> SearchHit:
    src = hit.get("_source") or {}
    fields = {name: src.get(name) for name in DISPLAY_FIELDS}
    fields.update({name: src[name] for name in FIELD_NAMES if name in src})
    pages: list[int] = []
    highlights: list[dict[str, Any]] = []
    for inner in hit.get("inner_hits", {}).get("pages", {}).get("hits", {}).get("hits", []):
        numbers = inner.get("fields", {}).get("pages.number")
        number = int(numbers[0]) if numbers else int(inner["_nested"]["offset"]) + 1
        pages.append(number)
        hl = inner.get("highlight", {})
        # Exact-spelling marks win unless folding marked more (an accent-free query on accented text).
        exact, folded = hl.get("pages.text", []), hl.get("pages.text.folded", [])
        fragments = folded if _marks(folded) > _marks(exact) else exact
        if fragments:
            highlights.append({"page": number, "field": "text", "fragments": fragments})
    return SearchHit(
        id=hit["_id"],
        score=hit.get("_score"),
        fields={k: _jsonable(v) for k, v in fields.items()},
        source_file=src.get("source_file", ""),
        access_level=AccessLevel(src.get("access_level", AccessLevel.CONFIDENTIAL.value)),
        pages=sorted(pages),
        highlights=highlights,
        sort=hit.get("sort"),
        page_count=src.get("page_count", 0),
        batch=src.get("batch"),
        dossier_code=src.get("dossier_code"),
    )


def parse_response(resp: Mapping[str, Any]) -> SearchResult:
    """A SearchResult from a search response body (hits, inner hits, highlights, aggregations)."""
    hits = resp.get("hits", {})
    aggs = resp.get("aggregations", {})
    facets = {
        name: {str(b["key"]): int(b["doc_count"]) for b in aggs[name]["buckets"]}
        for name in FACETS
        if name in aggs
    }
    return SearchResult(
        total=int(hits.get("total", {}).get("value", 0)),
        took_ms=int(resp.get("took", 0)),
        hits=[_parse_hit(h) for h in hits.get("hits", [])],
        facets=facets,
    )
