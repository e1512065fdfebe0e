from pathlib import Path

import pytest
from pydantic import ValidationError

from cli.services.layout import Layout, ensure_local_env, host_port, is_loopback
from sohoa.settings import Settings


def test_nested_env_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_MINIO__ENDPOINT", "minio.archive.internal:9000")
    monkeypatch.setenv("SOHOA_ELASTICSEARCH__URL", "https://es.archive.internal:9200")
    monkeypatch.setenv("SOHOA_OCR__LANGUAGES", "vie")
    s = Settings()
    assert s.minio.endpoint == "minio.archive.internal:9000"
    assert s.elasticsearch.url == "https://es.archive.internal:9200"
    assert s.ocr.languages == "vie"


def test_defaults_are_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in (
        "SOHOA_MINIO__ENDPOINT",
        "SOHOA_ELASTICSEARCH__URL",
        "SOHOA_PREFECT__API_URL",
        "SOHOA_WEB__HOST",
    ):
        monkeypatch.delenv(key, raising=False)
    s = Settings()
    assert is_loopback(host_port(s.minio.endpoint, 9000)[0])
    assert is_loopback(host_port(s.elasticsearch.url, 9200)[0])
    assert is_loopback(host_port(s.prefect.api_url, 4200)[0])
    assert s.web.host == "127.0.0.1"


def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_OCR__DPI", "5")
    with pytest.raises(ValidationError):
        Settings()


def test_secrets_do_not_leak_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_MINIO__SECRET_KEY", "very-secret-value")
    s = Settings()
    assert "very-secret-value" not in repr(s)
    assert s.minio.secret_key is not None and s.minio.secret_key.get_secret_value() == "very-secret-value"


def test_local_env_is_generated_once_and_private(tmp_path: Path) -> None:
    layout = Layout(home=tmp_path / "home", cache=tmp_path / "cache")
    first = ensure_local_env(layout)
    second = ensure_local_env(layout)
    assert first == second
    assert first["SOHOA_MINIO__SECRET_KEY"] and len(first["SOHOA_MINIO__SECRET_KEY"]) >= 30
    assert layout.env_file.stat().st_mode & 0o077 == 0


def test_settings_read_local_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_HOME", str(tmp_path))
    monkeypatch.delenv("SOHOA_MINIO__ACCESS_KEY", raising=False)
    (tmp_path / "local.env").write_text("SOHOA_MINIO__ACCESS_KEY=from-file\n")
    assert Settings.load().minio.access_key.get_secret_value() == "from-file"  # type: ignore[union-attr]
    monkeypatch.setenv("SOHOA_MINIO__ACCESS_KEY", "from-env")
    assert Settings.load().minio.access_key.get_secret_value() == "from-env"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1:9000", ("127.0.0.1", 9000)),
        ("http://localhost:9200", ("localhost", 9200)),
        ("es:80", ("es", 80)),
    ],
)
def test_host_port(value: str, expected: tuple[str, int]) -> None:
    assert host_port(value, 1) == expected
