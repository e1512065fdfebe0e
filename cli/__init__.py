"""The ``sohoa`` command line and the local development services.

The top layer: it may import every package of the project, and nothing imports it.
"""
