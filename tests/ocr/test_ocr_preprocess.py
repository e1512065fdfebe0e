"""Each preprocessing step on generated pages (no Tesseract)."""

from __future__ import annotations

import numpy as np
import pytest
from ocr_fixtures import noisy, render_letter, render_signed, rotated
from PIL import Image

from ocr import preprocess as pp


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return pp.to_gray(render_letter())


@pytest.mark.parametrize("angle", [-4.0, -1.5, 2.3, 4.5])
def test_deskew_measures_known_angle_within_half_a_degree(angle: float) -> None:
    """GIVEN a page rotated by a known angle WHEN skew is estimated and undone THEN it is straight."""
    gray = pp.to_gray(rotated(render_letter(), angle))
    measured = pp.estimate_skew(gray)
    assert abs(measured - angle) <= 0.5
    straightened = pp.rotate(gray, -measured)
    assert abs(pp.estimate_skew(straightened)) <= 0.5


def test_straight_page_is_left_alone(page: np.ndarray) -> None:
    assert abs(pp.estimate_skew(page)) < 0.15


def test_sideways_page_is_detected(page: np.ndarray) -> None:
    assert not pp.text_is_vertical(page)
    assert pp.text_is_vertical(pp.rotate_right_angle(page, 90))
    assert pp.text_is_vertical(pp.rotate_right_angle(page, 270))
    assert not pp.text_is_vertical(pp.rotate_right_angle(page, 180))


def test_rotate_right_angle_round_trips(page: np.ndarray) -> None:
    assert np.array_equal(pp.rotate_right_angle(pp.rotate_right_angle(page, 90), 270), page)


def test_blank_page_is_detected_even_with_paper_grain(page: np.ndarray) -> None:
    blank = np.full((1100, 1654), 235, np.uint8)
    grainy = pp.to_gray(noisy(__import__("PIL.Image").Image.fromarray(blank), 8))
    assert pp.is_blank(blank)
    assert pp.is_blank(grainy)
    assert not pp.is_blank(page)


def test_shaded_low_contrast_page_is_not_blank(page: np.ndarray) -> None:
    shade = np.linspace(-30, 25, page.shape[0], dtype=np.float32)[:, None]
    grey = np.clip(110 + page.astype(np.float32) * (80 / 255) + shade, 0, 255).astype(np.uint8)
    assert not pp.is_blank(grey)


def test_a_page_with_one_short_line_is_not_blank() -> None:
    gray = np.full((1100, 1654), 255, np.uint8)
    gray[500:530, 200:700] = np.where(np.random.default_rng(0).random((30, 500)) < 0.5, 0, 255)
    assert not pp.is_blank(gray)


def test_dark_scanner_borders_are_whitened_text_kept(page: np.ndarray) -> None:
    framed = page.copy()
    framed[:, :40] = 10
    framed[:25, :] = 20
    framed[:, -60:] = 5
    cleaned, whitened = pp.remove_borders(framed)
    assert whitened > 0
    assert cleaned[:, :40].min() > 200 and cleaned[:25].min() > 200 and cleaned[:, -60:].min() > 200
    # the text between the borders is untouched
    assert np.array_equal(cleaned[100:1000, 100:1500], page[100:1000, 100:1500])


def test_page_without_borders_is_unchanged(page: np.ndarray) -> None:
    cleaned, whitened = pp.remove_borders(page)
    assert whitened == 0 and cleaned is page


def test_noise_detection_and_median(page: np.ndarray) -> None:
    from PIL import Image

    grainy = pp.to_gray(noisy(Image.fromarray(page), 30))
    assert not pp.is_noisy(page)
    assert pp.is_noisy(grainy)
    assert pp.noise_level(pp.denoise(grainy))[0] < pp.noise_level(grainy)[0] / 2


def test_uneven_light_is_flattened(page: np.ndarray) -> None:
    shade = np.linspace(0, 120, page.shape[1], dtype=np.float32)[None, :]
    shaded = np.clip(page.astype(np.float32) - shade, 0, 255).astype(np.uint8)
    assert not pp.looks_uneven(page)
    assert pp.looks_uneven(shaded)
    flat = pp.flatten_background(shaded)
    assert not pp.looks_uneven(flat)
    # text stays dark after flattening
    assert np.percentile(flat[page < 100], 90) < 128


def test_faded_page_is_low_contrast(page: np.ndarray) -> None:
    faded = (255 - (255 - page.astype(np.float32)) * 0.3).astype(np.uint8)
    assert pp.looks_low_contrast(faded)
    assert not pp.looks_low_contrast(page)


@pytest.mark.parametrize("method", ["otsu", "adaptive"])
def test_binarization_gives_black_and_white_keeping_text(page: np.ndarray, method: str) -> None:
    out = pp.binarize(page, method)
    assert set(np.unique(out)) <= {0, 255}
    assert (out[page < 80] == 0).mean() > 0.9
    assert (out[page > 250] == 255).mean() > 0.98


def test_to_gray_composites_transparency_on_white() -> None:
    from PIL import Image

    rgba = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    assert pp.to_gray(rgba).min() == 255


def test_upscale_factor() -> None:
    assert pp.upscale(np.zeros((100, 80), np.uint8), 2.0).shape == (200, 160)


def _dark(gray: np.ndarray) -> np.ndarray:
    return gray < 128


def test_red_seal_is_faded_black_text_and_red_text_line_kept() -> None:
    img = render_signed()
    rgb = pp.rgb_of(img)
    assert rgb is not None
    plain = pp.to_gray(img)
    gray, share = pp.remove_red_seals(rgb)
    assert share > 0.001
    seal_ink = pp.red_ink_mask(rgb)
    # the seal's box (right half, below the body) loses its red ink; every black pixel survives
    seal_box = np.zeros_like(seal_ink)
    seal_box[300:, 800:] = True
    assert _dark(plain)[seal_ink & seal_box].mean() > 0.5  # the seal was dark enough to read as ink
    assert _dark(gray)[seal_ink & seal_box].mean() < 0.02
    black = (rgb.max(axis=2) < 60) & ~seal_ink
    assert np.array_equal(gray[black], plain[black])
    # the red HỎA TỐC box is a text line, not a seal: it keeps its ordinary gray
    urgent = seal_ink & ~seal_box
    assert urgent.sum() > 500
    assert np.array_equal(gray[urgent], plain[urgent])


def test_pages_without_colour_are_untouched() -> None:
    letter = render_letter()
    assert pp.rgb_of(letter) is None  # an 8-bit gray scan never enters the step
    as_rgb = letter.convert("RGB")
    gray, share = pp.remove_red_seals(np.asarray(as_rgb))
    assert share == 0.0
    assert np.array_equal(gray, pp.to_gray(letter))
    no_seal = render_signed(seal=False)
    gray, share = pp.remove_red_seals(np.asarray(no_seal))
    assert share == 0.0
    assert np.array_equal(gray, pp.to_gray(no_seal))


def test_dark_blue_or_black_ink_is_not_red() -> None:
    img = Image.new("RGB", (400, 100), (255, 255, 255))
    arr = np.asarray(img).copy()
    arr[20:80, 20:120] = (20, 30, 140)  # blue ballpoint
    arr[20:80, 150:250] = (40, 40, 40)  # black toner
    arr[20:80, 280:380] = (90, 10, 20)  # very dark red reads as black ink, kept
    assert not pp.red_ink_mask(arr).any()


def test_a_shadow_over_a_faint_page_is_not_a_border(page: np.ndarray) -> None:
    """Low contrast (110-190) with a shadow darkening the top: Otsu calls the top rows ink, yet the
    header under the shadow is text, not a scanner edge, and stays."""
    h = page.shape[0]
    faint = 110 + page.astype(np.float32) * (80 / 255) + np.linspace(-30, 25, h, dtype=np.float32)[:, None]
    faint = np.clip(faint, 0, 255).astype(np.uint8)
    cleaned, whitened = pp.remove_borders(faint)
    assert whitened == 0 and np.array_equal(cleaned, faint)


def test_a_rule_drawn_across_a_line_is_cleared_and_the_letters_strokes_are_kept() -> None:
    """GIVEN a line of strokes as tall and wide as print, crossed by a stamp frame's ragged edge, WHEN
    rules of three line heights or more are cleared, THEN the rule is gone, every letter-sized stroke
    stays, and an image with no rule comes back as it was."""
    img = np.full((60, 600), 255, np.uint8)
    for x in range(20, 580, 40):
        img[10:50, x : x + 6] = 0  # a letter's stem
        img[10:16, x : x + 30] = 0  # a letter's bar, shorter than any rule
    img[40:44, 0:600] = 0  # the rule, through the bottom of the stems
    img[39, 3:9] = 0  # its ragged edge: a bit above it that no long run holds
    out = pp.clear_rules(img, 3 * 40)
    assert (out[40:44, 10:20] == 255).all() and out[39, 3:9].min() == 255
    assert (out[10:16, 20:50] == 0).all() and (out[20:38, 20:26] == 0).all()
    clean = img.copy()
    clean[39:44] = 255
    assert pp.clear_rules(clean, 120) is clean
