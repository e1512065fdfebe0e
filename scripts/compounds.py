"""Derive ``pipeline/metadata/data/compounds.txt`` from pyvi's Vietnamese word list.

The source is ``pyvi/models/words.txt`` of the PyPI wheel ``pyvi==0.1.1`` (MIT, © 2016 Viet-Trung Tran;
sha256 of the wheel in data/README.md): 31,157 words of a word segmenter's dictionary. Only its words of
two syllables are kept, in lower case (a capitalised entry is a name), each syllable of the shape of a
Vietnamese syllable.

Usage: ``python scripts/compounds.py words.txt > pipeline/metadata/data/compounds.txt``
"""

from __future__ import annotations

import sys
import unicodedata

from pipeline.metadata.names import syllable_ok


def main(path: str) -> None:
    """Write the two-syllable words to standard output, sorted, one a line."""
    words = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            word = unicodedata.normalize("NFC", line.strip())
            parts = word.split()
            if len(parts) == 2 and word == word.lower() and all(syllable_ok(p) for p in parts):
                words.add(word)
    source = "pyvi 0.1.1's models/words.txt (MIT, (c) 2016 Viet-Trung Tran)"
    sys.stdout.write(f"# the two-syllable words of {source}\n")
    sys.stdout.write("# made by scripts/compounds.py; source in data/README.md\n")
    sys.stdout.writelines(f"{w}\n" for w in sorted(words))


if __name__ == "__main__":
    main(sys.argv[1])
