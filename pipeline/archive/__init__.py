"""Archival copies and packages: PDF/A-2b two-layer copies, veraPDF validation, PAdES signing, E-ARK SIPs.

No Prefect here (flows/archive.py wraps these stages); no settings read here (callers pass contexts).
"""
