"""One wrapper per external program the archive stage runs (veraPDF, Ghostscript)."""
