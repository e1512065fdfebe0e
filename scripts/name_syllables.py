"""Derive ``pipeline/metadata/data/name_syllables.tsv`` from a list of Vietnamese full names.

The source is ``uit_member.json`` of github.com/duyet/vietnamese-namedb (MIT, commit 2129070): 8,757
full names. Each name's words after the family name (middle and given names) are counted, once per
name, when they have the shape of a Vietnamese syllable; only the counts are kept, never a name.

Usage: ``python scripts/name_syllables.py uit_member.json > pipeline/metadata/data/name_syllables.tsv``
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections import Counter

from pipeline.metadata.names import syllable_ok


def main(path: str) -> None:
    """Write the table to standard output, most used syllable first."""
    counts: Counter[str] = Counter()
    rows = json.loads(open(path, encoding="utf-8").read())
    for row in rows:
        words = unicodedata.normalize("NFC", row.get("full_name", "")).split()
        counts.update({w.capitalize() for w in words[1:] if syllable_ok(w.lower())})
    sys.stdout.write(f"# syllable\tfull names (of {len(rows):,}) that use it after the family name\n")
    sys.stdout.write("# made by scripts/name_syllables.py; source in data/README.md\n")
    for word, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        sys.stdout.write(f"{word}\t{n}\n")


if __name__ == "__main__":
    main(sys.argv[1])
