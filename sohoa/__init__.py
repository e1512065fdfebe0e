"""sohoa: records digitization for Vietnamese administrative archives."""

__version__ = "0.1.0"
