"""Harder variants of evaluation pages: rotated, skewed, noisy, faded, low-contrast, low-resolution.

Deterministic (seeded per page and variant) so runs compare. Operates on 8-bit grayscale numpy arrays.
"""

from __future__ import annotations

import zlib

import cv2
import numpy as np

VARIANTS = ("rot90", "rot180", "skew", "noise", "faded", "lowcontrast", "dpi150")


def _rng(key: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(key.encode()))


def degrade(gray: np.ndarray, dpi: int, variant: str, key: str) -> tuple[np.ndarray, int, str]:
    """Return (image, dpi, description) of ``variant`` applied to a page."""
    rng = _rng(f"{key}/{variant}")
    if variant == "rot90":
        return cv2.rotate(gray, cv2.ROTATE_90_CLOCKWISE), dpi, "rotated 90° clockwise"
    if variant == "rot180":
        return cv2.rotate(gray, cv2.ROTATE_180), dpi, "rotated 180°"
    if variant == "skew":
        angle = float(rng.uniform(1.0, 5.0) * rng.choice([-1, 1]))
        h, w = gray.shape
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        out = cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
        return out, dpi, f"skewed {angle:+.2f}°"
    if variant == "noise":
        out = gray.astype(np.float32) + rng.normal(0, 28, gray.shape)
        speck = rng.random(gray.shape)
        out[speck < 0.004] = 0
        out[speck > 0.996] = 255
        return np.clip(out, 0, 255).astype(np.uint8), dpi, "gaussian sigma 28 + 0.8% salt-and-pepper"
    if variant == "faded":
        ink = 255.0 - gray.astype(np.float32)
        h, w = gray.shape
        # toner fades unevenly across the sheet
        fade = 0.35 + 0.25 * np.linspace(0, 1, w, dtype=np.float32)[None, :]
        out = 255.0 - ink * fade
        out = cv2.GaussianBlur(out, (0, 0), 0.8)
        return np.clip(out, 0, 255).astype(np.uint8), dpi, "toner faded to 35-60%, slight blur"
    if variant == "lowcontrast":
        h, w = gray.shape
        out = 110 + gray.astype(np.float32) * (80 / 255)
        shade = np.linspace(-30, 25, h, dtype=np.float32)[:, None]
        out = out + shade
        return np.clip(out, 0, 255).astype(np.uint8), dpi, "range 110-190 with a vertical shadow"
    if variant == "dpi150":
        scale = 150 / dpi
        size = (round(gray.shape[1] * scale), round(gray.shape[0] * scale))
        return cv2.resize(gray, size, interpolation=cv2.INTER_AREA), 150, f"downsampled {dpi}->150 dpi"
    raise ValueError(variant)
