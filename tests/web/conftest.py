"""Fixtures of the web tests: the app on a bucket and index prefix of its own, with known users and documents.

Documents are stored and indexed through the storage API (``document.json``, ``ocr.json``, a page image),
exactly what the ingest flow writes, so search and document pages are tested without running OCR; the
browser tests run the real flow. Everything created is removed afterwards.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, sync_playwright
from pydantic import SecretStr

from sohoa.model.document import AccessLevel, Document
from sohoa.model.ocr import OcrDocument, OcrPage, PageSource, Word
from sohoa.settings import Settings
from storage.index import SearchIndex
from storage.objects import ARTIFACT_DOCUMENT, ARTIFACT_OCR, ObjectStore, thumbnail_name
from tests.support import metadata_of, remove_bucket
from web.app import create_app
from web.backend import Backend
from web.users import Role, UserStore

with warnings.catch_warnings():
    # Starlette 1.x prefers the httpx2 package for its test client; httpx works the same here.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"
SECRET = "test-secret-key-" + "x" * 32
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def web_settings(services: Settings, home: Path, run: str, *, max_upload_mb: int = 5) -> Settings:
    """The services' settings with this run's bucket, index prefix, data folder and a test secret key."""
    return services.model_copy(
        update={
            "home": home,
            "minio": services.minio.model_copy(update={"bucket": f"sohoa-webtest-{run}"}),
            "elasticsearch": services.elasticsearch.model_copy(
                update={"index_prefix": f"sohoa-webtest-{run}"}
            ),
            "web": services.web.model_copy(
                update={"secret_key": SecretStr(SECRET), "max_upload_mb": max_upload_mb}
            ),
        }
    )


@dataclass
class Launched:
    """A stand-in for flows.launch.start_batch that records what it was asked to start.

    Only the unit tests use it (the browser tests run the real flow): it lets them check what the web app
    stored and asked for without waiting for OCR.
    """

    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(
        self,
        source: str,
        *,
        batch_id: str,
        manifest: str | None,
        uploader: str | None,
        attempts: int = 1,
        **options: Any,
    ) -> str:
        self.calls.append(
            {"source": source, "batch_id": batch_id, "manifest": manifest, "uploader": uploader,
             "attempts": attempts, **options}
        )  # fmt: skip
        return batch_id


def page_png(lines: list[str], *, size: tuple[int, int] = (1240, 1754)) -> bytes:
    """A white page with the lines in DejaVu Sans (which has Vietnamese glyphs)."""
    from PIL import ImageDraw, ImageFont

    img = Image.new("L", size, 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT), 40)
    y = 150
    for line in lines:
        draw.text((120, y), line, fill=0, font=font)
        y += 80
    out = io.BytesIO()
    img.save(out, format="PNG", dpi=(150, 150))
    return out.getvalue()


def _words(text: str, width: int) -> list[Word]:
    """Word boxes laid out like the text's lines (enough for the overlay on the page image)."""
    words = []
    for li, line in enumerate(text.splitlines()):
        x = 100
        for token in line.split():
            w = 22 * len(token)
            words.append(Word(text=token, conf=95.0, box=(x, 150 + 80 * li, w, 44), line=li))
            x += w + 20
    return [w for w in words if w.box[0] < width]


@dataclass(frozen=True)
class Doc:
    """A stored and indexed test document."""

    id: str
    document: Document


def add_document(
    store: ObjectStore,
    index: SearchIndex,
    key: str,
    *,
    number: str,
    kind: str,
    issuer: str,
    subject: str,
    date: str,
    pages: list[str],
    access: AccessLevel,
    batch: str = "lo-test",
    dossier: str | None = None,
) -> Doc:
    """Store document.json, ocr.json and page images for a document, then index it."""
    original = f"original of {key} {uuid.uuid4()}".encode()
    sha = hashlib.sha256(original).hexdigest()
    metadata = metadata_of(
        so_ky_hieu=number, ngay_ban_hanh=date, loai_van_ban=kind, co_quan_ban_hanh=issuer, trich_yeu=subject
    )
    document = Document(
        id=sha,
        source_file=f"{key}.png",
        media_type="image/png",
        size=len(original),
        batch=batch,
        dossier_code=dossier,
        page_count=len(pages),
        access_level=access,
        metadata=metadata,
    )
    ocr = OcrDocument(
        file_name=f"{key}.png",
        sha256=sha,
        media_type="image/png",
        languages="vie+eng",
        pages=[
            OcrPage(
                number=i,
                source=PageSource.OCR,
                text=t,
                confidence=90.0,
                width=1240,
                height=1754,
                words=_words(t, 1240),
            )
            for i, t in enumerate(pages, 1)
        ],
    )
    tmp = Path(f"/tmp/sohoa-webtest-{sha[:12]}.bin")
    tmp.write_bytes(original)
    try:
        store.put_original(tmp, file_name=f"{key}.png", media_type="image/png", batch=batch)
    finally:
        tmp.unlink()
    for i, text in enumerate(pages, 1):
        png = page_png(text.splitlines())
        img = Image.open(io.BytesIO(png)).convert("RGB")
        img.thumbnail((620, 877))
        out = io.BytesIO()
        img.save(out, format="JPEG")
        store.put_artifact(sha, thumbnail_name(i), out.getvalue(), content_type="image/jpeg")
    store.put_json(sha, ARTIFACT_OCR, ocr)
    store.put_json(sha, ARTIFACT_DOCUMENT, document)
    index.index_document(document, ocr, refresh=True)
    return Doc(sha, document)


@dataclass
class WebWorld:
    """The app under test with its store, index, users and documents."""

    settings: Settings
    store: ObjectStore
    index: SearchIndex
    users: UserStore
    launched: Launched
    docs: dict[str, Doc]
    db_path: Path

    def client(self) -> TestClient:
        """A fresh client (own cookies) on the app."""
        return TestClient(self.app(), base_url="http://testserver")

    def app(self) -> Any:
        """A fresh app (its own login throttle and Basic cache) on the world's store, index and users."""
        backend = Backend(
            self.store, self.index, launcher=self.launched, prefect_api=self.settings.prefect.api_url
        )
        return create_app(self.settings, backend=backend, db_path=self.db_path)

    def clients(self, *addresses: str) -> list[TestClient]:
        """Clients on one app, each from its own client address (for the per-address throttle)."""
        app = self.app()
        return [TestClient(app, base_url="http://testserver", client=(a, 50000)) for a in addresses]


@pytest.fixture(scope="module")
def world(services: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebWorld]:
    """Users (admin, staff, clerk cleared for internal, clerk cleared for public) and four documents."""
    run = uuid.uuid4().hex[:10]
    home = tmp_path_factory.mktemp("webhome")
    settings = web_settings(services, home, run, max_upload_mb=1)
    store = ObjectStore.from_settings(settings.minio)
    index = SearchIndex.from_settings(settings.elasticsearch)
    index.ensure()
    db_path = home / "web.sqlite3"
    users = UserStore(db_path)
    users.add("admin1", PASSWORD, role=Role.ADMIN)
    users.add("staff1", PASSWORD, role=Role.STAFF)
    users.add("clerk1", PASSWORD, role=Role.CLERK, clearance=AccessLevel.INTERNAL)
    users.add("viewer1", PASSWORD, role=Role.CLERK, clearance=AccessLevel.PUBLIC)
    issuer = "ỦY BAN NHÂN DÂN TỈNH LÀO CAI"
    docs = {
        "qd": add_document(
            store,
            index,
            "qd1340",
            number="1340/QĐ-UBND",
            kind="Quyết định",
            issuer=issuer,
            subject="Cấp hộ chiếu công vụ cho cán bộ",
            date="2023-03-03",
            pages=["QUYẾT ĐỊNH\nVề việc cấp hộ chiếu công vụ", "Điều 2. Giám đốc Sở Ngoại vụ"],
            access=AccessLevel.INTERNAL,
        ),
        "public": add_document(
            store,
            index,
            "tb88",
            number="88/TB-SNV",
            kind="Thông báo",
            issuer="SỞ NGOẠI VỤ",
            subject="Lịch tiếp công dân",
            date="2022-01-05",
            pages=["THÔNG BÁO\nLịch tiếp công dân tháng một"],
            access=AccessLevel.PUBLIC,
        ),
        "secret": add_document(
            store,
            index,
            "mat7",
            number="7/BC-SNgV",
            kind="Báo cáo",
            issuer="SỞ NGOẠI VỤ",
            subject="Đàm phán biên giới zebraquartz",
            date="2021-07-07",
            pages=["BÁO CÁO MẬT\nĐàm phán biên giới zebraquartz"],
            access=AccessLevel.CONFIDENTIAL,
        ),
        "xss": add_document(
            store,
            index,
            "xss",
            number="9/CV-XSS",
            kind="Công văn",
            issuer="<img src=x onerror=alert(2)>",
            subject="<script>alert(1)</script> thư mời",
            date="2020-02-02",
            pages=["Trang có mã <script>alert(1)</script> lạ\nthư mời họp"],
            access=AccessLevel.PUBLIC,
        ),
    }
    yield WebWorld(settings, store, index, users, Launched(), docs, db_path)
    index.drop()
    index.client.close()
    remove_bucket(store)


def login(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    """Sign in through the form (with its CSRF token) and return the response."""
    page = client.get("/login")
    token = csrf_from(page.text)
    return client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": token, "next": "/search"},
        follow_redirects=False,
    )


def csrf_from(html: str) -> str:
    """The CSRF token a page embeds."""
    m = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium, one per test module."""
    from tests.web.browser_support import CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


def publish(world: WebWorld, name: str, **fields: Any) -> Document:
    """A public one-page document with ``fields`` (signatures, metadata …), stored in MinIO and indexed."""
    doc = Document(
        id=hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
        source_file=f"{name}-{uuid.uuid4().hex[:6]}.pdf",
        media_type="application/pdf",
        size=1,
        page_count=1,
        access_level=AccessLevel.PUBLIC,
        **fields,
    )
    world.store.put_json(doc.id, ARTIFACT_DOCUMENT, doc)
    world.index.index_document(doc, None, refresh=True)
    return doc
