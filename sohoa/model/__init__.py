"""The domain model: documents and their metadata, OCR results, batch reports, the search contract.

One package that every layer imports (ocr, storage, pipeline, flows, web, the CLI) and that imports
nothing of the project but the foundation (``sohoa.settings``, ``sohoa.errors``, ``sohoa.text``).
"""
