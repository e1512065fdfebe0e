"""Prefect flows: thin orchestration over the stages of ``ocr/``, ``pipeline/`` and ``storage/``.

Import the flows from their modules (``flows.ingest``, ``flows.nightly``, ``flows.maintenance``);
importing this package alone does not import Prefect.
"""
