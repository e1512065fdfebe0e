"""Text normalization for metadata extraction: the shared definitions of :mod:`sohoa.text`."""

from sohoa.text import clean_spaces, fold, fold_char, nfc

__all__ = ["clean_spaces", "fold", "fold_char", "nfc"]
