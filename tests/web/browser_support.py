"""What the Chromium tests share: Debian's headless Chromium options, the screenshot folder, a free port and
the login form."""

from __future__ import annotations

import socket
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.web.conftest import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
#: the closed network refuses Chromium's background connections: turn them off
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    """A free TCP port on loopback for a test server."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def login(page: Page, url: str, name: str) -> None:
    """Sign ``name`` in through the login form (every test user has ``PASSWORD``)."""
    page.goto(f"{url}/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator(".user")).to_have_text(name)
