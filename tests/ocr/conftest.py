"""OCR test setup.

``tests/conftest.py`` puts ``tests/`` on ``sys.path``, where the folder ``tests/ocr`` would shadow the ``ocr``
package as a namespace package; the repository root goes first so ``import ocr`` is the real one.
(``pythonpath = ["."]`` in the pytest config would do the same for every test folder.)
"""

from __future__ import annotations

import sys
from pathlib import Path

_REPO = str(Path(__file__).resolve().parents[2])
_HERE = str(Path(__file__).resolve().parent)  # for ocr_fixtures
for _path in (_HERE, _REPO):
    if _path in sys.path:
        sys.path.remove(_path)
    sys.path.insert(0, _path)
if "ocr" in sys.modules and getattr(sys.modules["ocr"], "__file__", None) is None:
    del sys.modules["ocr"]
