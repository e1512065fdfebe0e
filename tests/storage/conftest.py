"""Fixtures of the storage tests: a throwaway bucket and index prefix on the real local services, and a
small Vietnamese corpus with known answers (built in code).

Every name carries a fresh run id, so parallel or interrupted runs never share state; everything created
is deleted afterwards (all object versions, then the bucket; every index of the prefix).
"""

from __future__ import annotations

import copy
import hashlib
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from sohoa.model.document import AccessLevel, Document
from sohoa.model.ocr import OcrDocument, OcrPage, PageSource
from sohoa.model.search import SearchQuery
from sohoa.settings import Settings
from storage.index import SearchIndex
from storage.mapping import index_body
from storage.objects import ObjectStore
from tests.support import metadata_of, remove_bucket


@pytest.fixture(name="remove_bucket")
def remove_bucket_fixture() -> object:
    """The cleanup function for a store created inside a test."""
    return remove_bucket


@pytest.fixture
def store(services: Settings) -> Iterator[ObjectStore]:
    """An ObjectStore on a bucket of its own (deleted afterwards)."""
    s = ObjectStore.from_settings(services.minio, bucket=f"sohoa-test-{uuid.uuid4().hex[:12]}")
    yield s
    remove_bucket(s)


@pytest.fixture(scope="module")
def module_store(services: Settings) -> Iterator[ObjectStore]:
    """An ObjectStore shared by one test module (deleted afterwards)."""
    s = ObjectStore.from_settings(services.minio, bucket=f"sohoa-test-{uuid.uuid4().hex[:12]}")
    yield s
    remove_bucket(s)


@pytest.fixture
def search_index(services: Settings) -> Iterator[SearchIndex]:
    """A SearchIndex with a prefix of its own, no index created yet (all deleted afterwards)."""
    index = SearchIndex.from_settings(services.elasticsearch, prefix=f"sohoa-test-{uuid.uuid4().hex[:12]}")
    yield index
    index.drop()
    index.client.close()


@pytest.fixture(scope="session")
def corpus() -> dict[str, Item]:
    """The named test documents (see :func:`build_corpus`)."""
    return build_corpus()


# -- the corpus ------------------------------------------------------------------------------------

ISSUERS = ("SỞ NGOẠI VỤ", "CỤC LÃNH SỰ", "ỦY BAN NHÂN DÂN TỈNH LÀO CAI", "BỘ NGOẠI GIAO")
TYPES = ("Kế hoạch", "Báo cáo", "Thông báo", "Tờ trình")


@dataclass(frozen=True)
class Item:
    """One test document: its original bytes, Document and OCR result."""

    key: str
    original: bytes
    document: Document
    ocr: OcrDocument


def _item(
    key: str,
    *,
    number: str | None,
    date: str | None,
    kind: str,
    issuer: str,
    subject: str,
    pages: list[str],
    access: AccessLevel = AccessLevel.PUBLIC,
    dossier: str | None = None,
    batch: str = "lo-1",
) -> Item:
    original = f"original bytes of {key}".encode()
    sha = hashlib.sha256(original).hexdigest()
    metadata = metadata_of(
        so_ky_hieu=number, ngay_ban_hanh=date, loai_van_ban=kind, co_quan_ban_hanh=issuer, trich_yeu=subject
    )
    document = Document(
        id=sha,
        source_file=f"{key}.pdf",
        media_type="application/pdf",
        size=len(original),
        batch=batch,
        dossier_code=dossier,
        page_count=len(pages),
        access_level=access,
        metadata=metadata,
    )
    ocr = OcrDocument(
        file_name=f"{key}.pdf",
        sha256=sha,
        media_type="application/pdf",
        languages="vie+eng",
        pages=[
            OcrPage(number=i, source=PageSource.OCR, text=t, confidence=90.0) for i, t in enumerate(pages, 1)
        ],
    )
    return Item(key, original, document, ocr)


def build_corpus() -> dict[str, Item]:
    """The named documents the tests ask about, plus 30 fillers about records digitization."""
    items = [
        _item(
            "qd1340",
            number="1340/QĐ-UBND",
            date="2023-03-03",
            kind="Quyết định",
            issuer=ISSUERS[2],
            subject="Cấp hộ chiếu công vụ cho cán bộ đi công tác nước ngoài",
            pages=[
                "ỦY BAN NHÂN DÂN TỈNH LÀO CAI\nSố: 1340/QĐ-UBND\nQUYẾT ĐỊNH\nVề việc cấp hộ chiếu công vụ",
                "Điều 2. Giám đốc Sở Ngoại vụ chịu trách nhiệm thi hành Quyết định này.",
                "Nơi nhận:\n- Như Điều 2;\n- Lưu: VT.",
            ],
            dossier="HS-2023-015",
        ),
        _item(
            "qd134",
            number="134/QĐ-UBND",
            date="2022-05-10",
            kind="Quyết định",
            issuer=ISSUERS[2],
            subject="Thành lập tổ công tác về thủ tục hành chính",
            pages=["QUYẾT ĐỊNH\nThành lập tổ công tác rà soát thủ tục hành chính của tỉnh."],
        ),
        _item(
            "cv215",
            number="215/SNgV-VP",
            date="2021-06-15",
            kind="Công văn",
            issuer=ISSUERS[0],
            subject="Hướng dẫn thủ tục xin thị thực cho đoàn công tác",
            pages=[
                "V/v hướng dẫn thủ tục xin thị thực\nKính gửi: Các sở, ban, ngành.",
                "Đề nghị các đơn vị chuẩn bị hồ sơ xin visa trước 15 ngày làm việc.",
            ],
        ),
        _item(
            "vina",
            number="88/TB-SNV",
            date="2020-02-02",
            kind="Thông báo",
            issuer=ISSUERS[0],
            subject="Lịch làm việc với công ty Vina",
            pages=["Thông báo lịch làm việc với đại diện công ty Vina về dịch vụ chuyển phát."],
        ),
        _item(
            "luutru",
            number="12/KH-CVTLT",
            date="2019-09-09",
            kind="Kế hoạch",
            issuer=ISSUERS[3],
            subject="Công tác lưu trữ hồ sơ năm 2019",
            pages=["Kế hoạch công tác lưu trữ hồ sơ, tài liệu năm 2019 của cơ quan."],
        ),
        _item(
            "luutru_cu",
            number="13/TB-CLS",
            date="2019-10-10",
            kind="Thông báo",
            issuer=ISSUERS[1],
            subject="Đăng ký lưu trú cho người nước ngoài",
            pages=["Hướng dẫn đăng ký lưu trú cho người nước ngoài tại cơ sở lưu trú du lịch."],
        ),
        _item(
            "mat",
            number="07/TB-CLS",
            date="2024-01-20",
            kind="Thông báo",
            issuer=ISSUERS[1],
            subject="Quản lý hộ chiếu ngoại giao",
            access=AccessLevel.CONFIDENTIAL,
            pages=["Thông báo mật về quản lý hộ chiếu ngoại giao của cán bộ."],
        ),
        _item(
            "noibo",
            number="09/BC-CLS",
            date="2024-02-01",
            kind="Báo cáo",
            issuer=ISSUERS[1],
            subject="Tình hình cấp hộ chiếu ngoại giao quý I",
            access=AccessLevel.INTERNAL,
            pages=["Báo cáo nội bộ tình hình cấp hộ chiếu ngoại giao quý I."],
        ),
    ]
    for i in range(30):
        year = 2015 + i % 10
        items.append(
            _item(
                f"sohoa{i:02d}",
                number=f"{100 + i}/{['KH', 'BC', 'TB', 'TTr'][i % 4]}-SNV",
                date=None if i % 7 == 3 else f"{year}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                kind=TYPES[i % 4],
                issuer=ISSUERS[i % 2],
                subject=f"Số hóa tài liệu lưu trữ đợt {i}",
                pages=[f"Kế hoạch số hóa tài liệu đợt {i}.", f"Trang {i}: danh mục hồ sơ cần số hóa."],
                access=AccessLevel.PUBLIC if i % 3 else AccessLevel.INTERNAL,
                batch=f"lo-{2 + i % 2}",
            )
        )
    return {it.key: it for it in items}


def engine_highlight(highlight: dict[str, list[str]]) -> dict[str, list[str]]:
    """Highlights as Elasticsearch returns them (raw text between the mark characters), written <mark>."""
    from storage.query import HIGHLIGHT_TAGS

    pre, post = HIGHLIGHT_TAGS
    return {f: [v.replace("<mark>", pre).replace("</mark>", post) for v in vs] for f, vs in highlight.items()}


@contextmanager
def records_index(
    services: Settings, tag: str, records: Iterable[Mapping[str, Any]], expect: int
) -> Iterator[SearchIndex]:
    """A throwaway index holding ``records`` (all ``expect`` of them indexed, none failed), dropped after."""
    idx = SearchIndex.from_settings(services.elasticsearch, prefix=f"sohoa-test-{tag}{uuid.uuid4().hex[:12]}")
    idx.ensure()
    stats = idx.index_records(records)
    assert (stats.indexed, stats.failed) == (expect, 0)
    try:
        yield idx
    finally:
        idx.drop()
        idx.client.close()


def index_before(services: Settings, prefix: str, version: int, fields: Iterable[str]) -> SearchIndex:
    """An index as mapping ``version`` made it: today's mapping without ``fields``, under the alias."""
    index = SearchIndex.from_settings(services.elasticsearch, prefix=prefix)
    body = copy.deepcopy(index_body(index.folding_filter()))  # the mapping's dicts are shared
    for name in fields:
        del body["mappings"]["properties"][name]
    body["mappings"]["_meta"]["sohoa_mapping_version"] = version
    name = f"{index.alias}-v{version}"
    index.client.indices.create(index=name, settings=body["settings"], mappings=body["mappings"])
    index.client.indices.put_alias(index=name, name=index.alias)
    return index


def found_keys(index: SearchIndex, docs: dict[str, Document], **kw: object) -> set[str]:
    """The keys of ``docs`` that a search for their shared text with the filters ``kw`` finds."""
    by_id = {d.id: k for k, d in docs.items()}
    result = index.search(SearchQuery(text="số hóa", size=10, **kw))  # type: ignore[arg-type]
    return {by_id[h.id] for h in result.hits}
