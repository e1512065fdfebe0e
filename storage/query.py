"""Build Elasticsearch query bodies from a SearchQuery, and SearchResults from responses.

Pure functions (no client), so ranking decisions are readable and testable in one place:

- every term is matched on the exact-accent field (boost 3) and the folded field (1.5): an accent-free
  query finds accented text, and an accented query ranks exact spellings first;
- scoring is a plain match on the multi-valued page text, which Lucene can skip through (the hits request
  does not count every match), instead of a block join over nested pages; facets and the exact total
  come from a second, unscored request (:func:`build_facets_body`) that runs beside it in one
  ``_msearch``;
- a hit's matching pages and snippets come from the highlighter, which returns each matching page whole
  (offsets are in the postings, so nothing is re-analyzed); :func:`page_highlights` names the pages and
  cuts the snippets;
- typo tolerance is a fallback: when the query finds fewer than :data:`FUZZY_BELOW` documents,
  :class:`storage.index.SearchIndex` runs it again with a fuzzy clause at a small weight, so typos find
  documents but never swamp (or slow down) queries that have exact hits;
- a document number in the query (``1340/QĐ-UBND``, ``1340 qd ubnd``) is matched on its normalized key with
  a boost that puts that document first;
- ``"quoted phrases"`` must occur as phrases (accent-free phrases match accented text);
- the access-level filter is always part of the query (an empty clearance matches nothing).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from itertools import accumulate
from typing import Any

from sohoa.model.document import FIELD_NAMES, AccessLevel
from sohoa.model.search import SearchHit, SearchQuery, SearchResult, Sort
from sohoa.text import clean_spaces, doc_number_key, facet_key, fold, nfc
from storage.highlight import fold_word, mark_document

__all__ = [
    "DISPLAY_FIELDS",
    "FACETS",
    "FUZZY_BELOW",
    "HIGHLIGHT_TAGS",
    "TOTAL_HITS_CAP",
    "build_facets_body",
    "build_labels_body",
    "build_more_like_this_body",
    "build_search_body",
    "doc_number_candidates",
    "filter_clauses",
    "page_highlights",
    "parse_labels",
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

#: facet name → (bucket field, display field or None, number of buckets). Types and issuers are bucketed
#: on their normalized key (``Quyết định`` and ``QUYẾT ĐỊNH`` are one bucket) and shown with the most
#: frequent spelling of the bucket; filtering on that spelling matches the whole bucket (same key).
#: Spellings come from a label table over the whole index (:func:`build_labels_body`), which
#: :class:`storage.index.SearchIndex` keeps for a few minutes, so a search counts keys only.
FACETS: dict[str, tuple[str, str | None, int]] = {
    "loai_van_ban": ("loai_van_ban_key", "loai_van_ban", 20),
    "co_quan_ban_hanh": ("co_quan_ban_hanh_key", "co_quan_ban_hanh", 50),
    "year": ("year", None, 100),
    "access_level": ("access_level", None, 3),
    "batch": ("batch", None, 20),
    "dossier_code": ("dossier_code", None, 20),
    "signed_by": ("signed_by", None, 20),
    "signature_valid": ("signature_valid", None, 2),
    "stamp_signed_by": ("stamp_signed_by", None, 20),
}

#: totals are counted exactly up to this many hits, then reported as a lower bound
#: (``SearchResult.total_is_lower_bound``): counting every match of a common word costs more than the
#: search itself.
TOTAL_HITS_CAP = 10_000
#: fewer hits than this and the query is retried with typo tolerance
FUZZY_BELOW = 10
#: distinct keys per labelled facet read into the label table
_LABEL_KEYS = 10_000

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
_FUZZY_HL = {"fuzziness": _FUZZINESS, "prefix_length": 1, "max_expansions": 20}
_MLT_CHARS = 8000
# The highlighter returns every matching page whole (number_of_fragments 0), from postings offsets; the
# page it belongs to and the snippets around the marks are worked out here (page_highlights).
# The marks are two private-use characters around raw text (no html encoder): splitting on them is all
# the parsing a page needs, where six entities had to be undone in every piece. OCR never writes them; a
# page whose own text held one would not equal its source text and would only lose its highlights.
_PRE, _POST = "\ue000", "\ue001"
#: what the highlighter puts before and after a marked word
HIGHLIGHT_TAGS = (_PRE, _POST)
_MARKED = re.compile(f"{_PRE}([^{_POST}]*){_POST}")
_HIGHLIGHT: dict[str, Any] = {"pre_tags": [_PRE], "post_tags": [_POST], "number_of_fragments": 0}
_FRAGMENT_CHARS = 160
_FRAGMENTS_PER_PAGE = 2
_WORD = re.compile(r"\w+")


def split_phrases(text: str) -> tuple[list[str], str]:
    """Quoted phrases and the whole text without quotes: ``a "b c"`` → ``(["b c"], "a b c")``."""
    phrases = [p.strip() for p in _PHRASE.findall(text) if p.strip()]
    plain = " ".join(text.replace('"', " ").split())
    return phrases, plain


def doc_number_candidates(text: str) -> list[str]:
    """Keys of the document numbers a query contains (see :func:`sohoa.text.doc_number_key`).

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
    if q.needs_rescan is not None:
        clauses.append({"term": {"needs_rescan": q.needs_rescan}})
    if q.signed_by:
        clauses.append({"terms": {"signed_by": sorted({nfc(v).strip() for v in q.signed_by})}})
    if q.signature_valid is not None:
        # a document without signatures has no signature_valid: it matches neither value
        clauses.append({"term": {"signature_valid": q.signature_valid}})
    if q.stamp_signed_by:
        # the stamps' signers only: a stamp on the page is not a signature that verifies (signed_by)
        clauses.append(
            {"terms": {"stamp_signed_by": sorted({clean_spaces(nfc(v)) for v in q.stamp_signed_by})}}
        )
    return clauses


def _fuzzy(text: str) -> dict[str, Any]:
    return {
        "query": text,
        "fuzziness": _FUZZINESS,
        "prefix_length": 1,
        "max_expansions": 20,
        "minimum_should_match": _MSM,
    }


def _text_clause(text: str, *, fuzzy: bool, scored: bool = True) -> dict[str, Any]:
    """Scores documents by their page text: exact accents, folded, all words present, then typos.

    The text of all pages is one multi-valued field, so a document matches when its pages together hold
    enough of the words; :func:`page_highlights` then names the pages that hold them. Unscored (the
    facets request), only the folded clauses: they match the same documents, as every exact-accent match
    and every all-words match is also a folded match.
    """
    folded: dict[str, Any] = {"query": text, "minimum_should_match": _MSM}
    if scored:
        should: list[dict[str, Any]] = [
            {"match": {"pages.text": {"query": text, "minimum_should_match": _MSM, "boost": 3.0}}},
            {"match": {"pages.text.folded": {**folded, "boost": 1.5}}},
            # Coordination: text that holds every word beats text (or metadata) that holds most of them.
            {"match": {"pages.text.folded": {"query": text, "operator": "and", "boost": 3.0}}},
        ]
    else:
        should = [{"match": {"pages.text.folded": folded}}]
    if fuzzy:
        should.append({"match": {"pages.text.folded": {**_fuzzy(text), "boost": 0.2}}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


# Metadata fields searched as text; unscored, the folded subfields alone match what the exact-accent ones do.
_METADATA_SCORED = [
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
]
_METADATA_FOLDED = [f.split("^")[0] for f in _METADATA_SCORED if ".folded" in f]


def _metadata_clause(text: str, *, scored: bool = True) -> dict[str, Any]:
    return {
        "multi_match": {
            "query": text,
            "type": "cross_fields",
            "minimum_should_match": _MSM,
            "fields": _METADATA_SCORED if scored else _METADATA_FOLDED,
        }
    }


def _phrase_clause(phrase: str) -> dict[str, Any]:
    # The exact-accent clauses are redundant for matching (the folded ones match a superset) but measured
    # faster with them: Lucene settles many pages on the rarer exact terms first.
    return {
        "bool": {
            "should": [
                {"match_phrase": {"pages.text": phrase}},
                {"match_phrase": {"pages.text.folded": phrase}},
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


def _query(q: SearchQuery, *, fuzzy: bool, scored: bool) -> dict[str, Any]:
    text = nfc(q.text).strip()
    phrases, plain = split_phrases(text)
    must: list[dict[str, Any]] = []
    if plain:
        should: list[dict[str, Any]] = [
            _text_clause(plain, fuzzy=fuzzy, scored=scored),
            _metadata_clause(plain, scored=scored),
        ]
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
        if len(plain) <= 200:
            # A dossier code or batch id typed into the box finds its documents (exact keyword terms).
            ids = sorted({plain, plain.upper(), nfc(plain)})
            should.append(
                {
                    "constant_score": {
                        "filter": {
                            "bool": {"should": [{"terms": {"dossier_code": ids}}, {"terms": {"batch": ids}}]}
                        },
                        "boost": _NUMBER_BOOST,
                    }
                }
            )
        must.append({"bool": {"should": should, "minimum_should_match": 1}})
    # Phrases only filter (a filter stops at a page's first occurrence; scoring would count them all).
    filters = [*filter_clauses(q), *(_phrase_clause(p) for p in phrases)]
    if not scored:
        return {"bool": {"filter": must + filters}}
    return {"bool": {"must": must or [{"match_all": {}}], "filter": filters}}


def build_search_body(q: SearchQuery, *, fuzzy: bool = False, count: bool = True) -> dict[str, Any]:
    """The hits request of a search: ranked hits with their matching pages highlighted.

    Without text, relevance order falls back to newest first (every score would be equal).

    Args:
        q: The search.
        fuzzy: Add typo tolerance (the fallback when the plain query finds few documents).
        count: Count matches (up to :data:`TOTAL_HITS_CAP`); False when :func:`build_facets_body`
            counts them, so this request can skip documents that cannot reach the top.
    """
    _, plain = split_phrases(nfc(q.text).strip())
    body: dict[str, Any] = {
        "query": _query(q, fuzzy=fuzzy, scored=True),
        "size": q.size,
        "sort": _sort(q, bool(plain)),
        "track_total_hits": TOTAL_HITS_CAP if count else False,
        "_source": {"excludes": ["pages"]},
    }
    if plain:
        folded: dict[str, Any] = {"query": plain, **(_FUZZY_HL if fuzzy else {})}
        fields: dict[str, Any] = {
            "pages.text.folded": {"highlight_query": {"match": {"pages.text.folded": folded}}}
        }
        # The folded field alone: it marks every occurrence, exact spelling or not, and page_highlights
        # tells them apart by the text itself (storage.highlight); an exact-field highlight would only
        # return the same whole pages a second time.
        body["highlight"] = {**_HIGHLIGHT, "fields": fields}
        # The page numbers of the highlighted values (returned hits only).
        body["_source"] = True
    if plain and q.sort is not Sort.RELEVANCE:
        body["track_scores"] = True
    if q.search_after:
        body["search_after"] = list(q.search_after)
    elif q.offset:
        body["from"] = q.offset
    return body


def build_facets_body(q: SearchQuery, *, fuzzy: bool = False) -> dict[str, Any]:
    """The facets request of a search: exact total and facet counts, no hits, no scoring."""
    return {
        "query": _query(q, fuzzy=fuzzy, scored=False),
        "size": 0,
        "track_total_hits": True,
        "aggs": {
            name: {
                "terms": {
                    "field": field,
                    "size": size,
                    **({"order": {"_key": "desc"}} if name == "year" else {}),
                }
            }
            for name, (field, _, size) in FACETS.items()
        },
    }


def build_labels_body() -> dict[str, Any]:
    """The label table request: for each labelled facet, every key with its most frequent spelling.

    Over the whole index, whatever the caller's clearance: a label is the spelling of a type or issuer
    name, shown only for buckets the caller's own hits produce.
    """
    return {
        "size": 0,
        "track_total_hits": False,
        "aggs": {
            name: {
                "terms": {"field": field, "size": _LABEL_KEYS},
                "aggs": {"display": {"terms": {"field": display, "size": 1}}},
            }
            for name, (field, display, _) in FACETS.items()
            if display
        },
    }


def parse_labels(resp: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Facet name → {bucket key: spelling}, from a :func:`build_labels_body` response."""
    aggs = resp.get("aggregations", {})
    return {
        name: {
            str(b["key"]): str(((b.get("display") or {}).get("buckets") or [{"key": b["key"]}])[0]["key"])
            for b in aggs[name]["buckets"]
        }
        for name in aggs
    }


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
                    {"more_like_this": {"fields": ["pages.text.folded"], **mlt}},
                    {"more_like_this": {"fields": ["trich_yeu.folded"], **mlt, "boost": 2.0}},
                ],
                "minimum_should_match": 1,
                "must_not": [{"ids": {"values": [doc_id]}}],
                "filter": filter_clauses(query),
            }
        },
        "size": size,
        "sort": [{"_score": "desc"}, {"sha256": "asc"}],
        "track_total_hits": TOTAL_HITS_CAP,
        "_source": {"excludes": ["pages"]},
    }


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _unmark(highlighted: str) -> tuple[str, list[tuple[int, int]]]:
    """Plain text and the spans of the marks of a highlighted value (marks: ``_PRE`` ... ``_POST``)."""
    parts = _MARKED.split(highlighted)  # text, marked word, text, marked word, ..., text
    ends = list(accumulate(map(len, parts)))
    return "".join(parts), list(zip(ends[0:-1:2], ends[1::2], strict=True))


def _fragments(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """Up to two snippets of about 160 characters around the marks, most marked words first."""
    windows: list[tuple[int, int, list[tuple[int, int]]]] = []
    for s, e in spans:
        if windows and e - windows[-1][0] <= _FRAGMENT_CHARS:
            start, _, inside = windows[-1]
            windows[-1] = (start, e, [*inside, (s, e)])
        else:
            windows.append((max(0, s - _FRAGMENT_CHARS // 4), e, [(s, e)]))
    best = sorted(windows, key=lambda w: (-len({fold_word(text[s:e]) for s, e in w[2]}), w[0]))
    out: list[str] = []
    for start, last, inside in best[:_FRAGMENTS_PER_PAGE]:
        first = inside[0][0]
        end = max(last, min(len(text), start + _FRAGMENT_CHARS))
        # Whole words at both ends.
        if start > 0:
            cut = text.find(" ", start, first)
            start = cut + 1 if cut >= 0 else first
        if end < len(text):
            cut = text.rfind(" ", last, end)
            end = cut if cut >= 0 else last
        parts: list[str] = []
        pos = start
        for s, e in inside:
            parts += [html.escape(text[pos:s], quote=False), "<mark>", html.escape(text[s:e], quote=False)]
            parts.append("</mark>")
            pos = e
        parts.append(html.escape(text[pos:end], quote=False))
        out.append("".join(parts).strip())
    return out


@lru_cache(maxsize=1024)
def _required_terms(query: str) -> int:
    """How many distinct query words a page must contain (the ``2<75%`` rule of the query)."""
    n = len(set(_WORD.findall(fold(query))))
    return n if n <= 2 else int(n * 0.75)


def page_highlights(
    pages: Sequence[Mapping[str, Any]], highlight: Mapping[str, list[str]], query: str
) -> tuple[list[int], list[dict[str, Any]]]:
    """Matching page numbers and their snippets, from a hit's pages and its whole-value highlights.

    A page matches when it holds as many distinct query words as the query requires (typos included,
    when the query was fuzzy); if no single page does (the words are spread over pages), every page
    with a marked word is named.

    Args:
        pages: The hit's ``pages`` (``number``, ``text``) from ``_source``.
        highlight: The hit's highlight: ``pages.text`` and ``pages.text.folded`` → highlighted values.
        query: The query text without quotes.

    Returns:
        Page numbers in order, and ``{"page", "field": "text", "fragments"}`` per matching page.
    """
    numbers: dict[str, list[int]] = {}
    for p in pages:
        numbers.setdefault(str(p.get("text", "")).strip(), []).append(int(p["number"]))
    engine: dict[int, tuple[str, set[tuple[int, int]]]] = {}
    for field in ("pages.text", "pages.text.folded"):
        for value in highlight.get(field, []):
            text, spans = _unmark(value)
            for number in numbers.get(text.strip(), []):
                engine.setdefault(number, (text, set()))[1].update(spans)
    # Each word's marks from the field that matched it (exact spelling first, no typo marks on other
    # words): see storage.highlight.
    marks = mark_document(list(engine.values()), query)
    best = {n: (text, spans) for (n, (text, _)), spans in zip(engine.items(), marks, strict=True)}
    required = _required_terms(query)
    words = {
        n: {w for s, e in spans for w in _WORD.findall(fold_word(text[s:e]))}
        for n, (text, spans) in best.items()
    }
    chosen = sorted(n for n, w in words.items() if len(w) >= required) or sorted(
        n for n, w in words.items() if w
    )
    highlights = [
        {"page": n, "field": "text", "fragments": _fragments(*best[n])} for n in chosen if best[n][1]
    ]
    return chosen, highlights


def _parse_hit(hit: Mapping[str, Any], query: str) -> SearchHit:
    src = hit.get("_source") or {}
    fields = {name: src.get(name) for name in DISPLAY_FIELDS}
    fields.update({name: src[name] for name in FIELD_NAMES if name in src})
    pages, highlights = page_highlights(src.get("pages") or [], hit.get("highlight") or {}, query)
    return SearchHit(
        id=hit["_id"],
        score=hit.get("_score"),
        fields={k: _jsonable(v) for k, v in fields.items()},
        source_file=src.get("source_file", ""),
        access_level=AccessLevel(src.get("access_level", AccessLevel.CONFIDENTIAL.value)),
        pages=pages,
        highlights=highlights,
        sort=hit.get("sort"),
        page_count=src.get("page_count", 0),
        batch=src.get("batch"),
        dossier_code=src.get("dossier_code"),
    )


def _buckets(buckets: list[Mapping[str, Any]], labels: Mapping[str, str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for b in buckets:
        shown = (b.get("display") or {}).get("buckets")
        key = str(b.get("key_as_string", b["key"]))  # a boolean bucket's key is 1/0, its string true/false
        label = str(shown[0]["key"]) if shown else labels.get(key, key)
        out[label] = out.get(label, 0) + int(b["doc_count"])
    return out


def parse_response(
    resp: Mapping[str, Any],
    facets: Mapping[str, Any] | None = None,
    *,
    query: str = "",
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> SearchResult:
    """A SearchResult from a hits response and, optionally, the facets response beside it.

    Args:
        resp: Response of :func:`build_search_body`.
        facets: Response of :func:`build_facets_body` (its total is exact and replaces the capped one).
        query: The query text (to name matching pages).
        labels: facet name → {bucket key: spelling} (:func:`parse_labels`); a key without one is shown
            as the key.
    """
    hits = resp.get("hits", {})
    counted = facets or resp
    aggs = counted.get("aggregations", {})
    total = counted.get("hits", {}).get("total") or {}
    _, plain = split_phrases(nfc(query).strip())
    return SearchResult(
        total=int(total.get("value", 0)),
        total_is_lower_bound=total.get("relation") == "gte",
        took_ms=max(int(resp.get("took", 0)), int((facets or {}).get("took", 0))),
        hits=[_parse_hit(h, plain) for h in hits.get("hits", [])],
        facets={
            name: _buckets(aggs[name]["buckets"], (labels or {}).get(name, {}))
            for name in FACETS
            if name in aggs
        },
    )
