"""Turning a page by OSD: a low-confidence guess must not turn an upright page, and the trial is bounded.

On faded or grainy pages Tesseract's OSD answers "rotate 180°" at confidence 2-3 as readily for upright
text as for upside-down text; the turned reading then has to win clearly, and it may not take much
longer than the first reading did. OSD's answer is injected by patching our own wrapper.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ocr_fixtures import BODY, render_lines, save
from PIL import Image

from ocr import OcrContext
from ocr import page as ocr_page_module
from ocr._exec import tesseract
from ocr.layout import RawWord
from ocr.page import ocr_page, turn_wins
from sohoa.model.ocr import PageInput, PageKind

# every page goes through the orientation check, whatever its first reading's confidence
CTX = OcrContext(languages="vie", orientation_retry_confidence=101.0, reread_blanks=False, reread_lines=False)


def words(n_good: int, n_noise: int) -> list[RawWord]:
    good = [RawWord("chiếu", 90.0, 10 * i, 0, 9, 9, 1, 1, 1) for i in range(n_good)]
    return good + [RawWord("~", 30.0, 10 * i, 50, 9, 9, 1, 1, 2) for i in range(n_noise)]


def test_a_hunch_must_win_clearly_a_sure_turn_only_needs_to_be_better():
    specks, text = words(3, 40), words(60, 5)
    assert turn_wins(specks, text, 2.12)  # plainly text the other way up
    assert not turn_wins(text, specks, 2.12)  # worse
    assert not turn_wins(words(8, 30), words(12, 2), 2.12)  # better mean, but a dozen words is no page
    assert turn_wins(words(8, 30), words(12, 2), 12.0)  # OSD sure of itself: better is enough


def _faded(img: Image.Image) -> Image.Image:
    arr = np.asarray(img, dtype=np.float32)
    arr = 255 - (255 - arr) * 0.35 + np.random.default_rng(3).normal(0, 14, arr.shape)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def _read(path: Path, tmp_path: Path, ctx: OcrContext = CTX):
    return ocr_page(
        PageInput(number=1, kind=PageKind.IMAGE, path=str(path), dpi=200, workdir=str(tmp_path)), ctx
    )


def test_a_faded_upright_page_is_not_turned_by_a_low_confidence_guess(tmp_path, monkeypatch):
    path = save(_faded(render_lines(BODY, width=1600)), tmp_path / "faded.png")
    monkeypatch.setattr(tesseract, "osd", lambda image, timeout: tesseract.Osd(180, 2.12))
    page = _read(path, tmp_path)
    assert not page.preprocessing.get("rotation")
    assert "Ngoại vụ" in page.text


def test_an_upside_down_page_is_still_turned_on_a_low_confidence_guess(tmp_path, monkeypatch):
    path = save(render_lines(BODY, width=1600).rotate(180), tmp_path / "upside-down.png")
    monkeypatch.setattr(tesseract, "osd", lambda image, timeout: tesseract.Osd(180, 2.12))
    page = _read(path, tmp_path)
    assert page.preprocessing.get("rotation") == 180
    assert "Ngoại vụ" in page.text


def test_a_turned_trial_that_runs_long_is_stopped_and_the_page_kept(tmp_path, monkeypatch):
    path = save(render_lines(BODY, width=1600), tmp_path / "upright.png")
    monkeypatch.setattr(tesseract, "osd", lambda image, timeout: tesseract.Osd(180, 9.0))
    # a budget no Tesseract call can meet stands for a trial that ran away
    monkeypatch.setattr(ocr_page_module, "_TRIAL_MIN_S", 0.01)
    monkeypatch.setattr(ocr_page_module, "_TRIAL_FACTOR", 0.0)
    page = _read(path, tmp_path)
    assert not page.preprocessing.get("rotation")
    assert any("orientation trial (180°) stopped" in w for w in page.warnings)
    assert "Ngoại vụ" in page.text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["upright.png"]  # nothing left behind


@pytest.mark.parametrize("confidence", [2.12, 9.0])
def test_no_osd_answer_leaves_the_page_alone(tmp_path, monkeypatch, confidence):
    path = save(render_lines(BODY[:2], width=1600), tmp_path / "p.png")
    monkeypatch.setattr(tesseract, "osd", lambda image, timeout: tesseract.Osd(0, confidence))
    assert not _read(path, tmp_path).preprocessing.get("rotation")


def test_a_hunch_on_a_page_with_nothing_read_is_not_tried(tmp_path, monkeypatch):
    """GIVEN a page Tesseract reads no word on (illegible, not upside down) and an OSD hunch of 180°
    THEN no second full pass over its noise."""
    speckle = np.full((1100, 1600), 255, dtype=np.uint8)
    speckle[np.random.default_rng(5).random(speckle.shape) < 0.002] = 90
    path = save(Image.fromarray(speckle), tmp_path / "illegible.png")
    monkeypatch.setattr(tesseract, "osd", lambda image, timeout: tesseract.Osd(180, 2.12))
    calls = []
    real = tesseract.recognize

    def counting(image, **kw):
        calls.append(image.name)
        return real(image, **kw)

    monkeypatch.setattr(tesseract, "recognize", counting)
    page = _read(path, tmp_path, CTX.with_(blank_detection=False))
    assert not page.words and not page.preprocessing.get("rotation")
    assert len(calls) == 1  # the first pass only
