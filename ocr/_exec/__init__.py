"""One wrapper module per external program (tesseract, poppler). Internal to ``ocr``."""
