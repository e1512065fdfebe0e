"""The catalogue's columns against the TT 05/2025 field list (``../shared/ARCHIVE.md``), pure."""

from __future__ import annotations

from pipeline.dossiers.catalogue import CSV_COLUMNS, DOC_FIELDS, FILE_FIELDS, NOT_APPLICABLE

#: the dossier (hồ sơ) fields of TT 05 as ARCHIVE.md lists them (second-hand)
TT05_FILE = (
    "fileCode title maintenance mode language startDate endDate keyword totalDoc numberOfPaper numberOfPage "
    "format inforSign confidenceLevel paperFileCode description"
).split()
#: the document (EAD_doc) fields ARCHIVE.md names
TT05_DOC = (
    "docId docCode maintenance typeName codeNumber codeNotation issuedDate organName subject language "
    "numberOfPage keyword mode confidenceLevel autograph format description"
).split()


def test_every_tt05_field_is_a_column_in_tt05_order() -> None:
    assert list(FILE_FIELDS[: len(TT05_FILE)]) == TT05_FILE
    assert [f for f in DOC_FIELDS if f in TT05_DOC] == TT05_DOC
    assert set(TT05_FILE) | set(TT05_DOC) <= set(CSV_COLUMNS)
    assert CSV_COLUMNS[0] == "recordType" and len(set(CSV_COLUMNS)) == len(CSV_COLUMNS)


def test_fields_left_empty_say_why() -> None:
    for key, reason in NOT_APPLICABLE.items():
        level, name = key.split(".")
        assert name in (TT05_FILE if level == "file" else TT05_DOC)
        assert len(reason) > 20
