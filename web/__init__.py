"""The web app for clerks (search) and archive staff (upload): pages, JSON API, users, audit log.

Start it with ``sohoa web``; create users with ``sohoa user add``. Routes reach storage and flows only
through :mod:`web.backend`.
"""

from web.app import create_app

__all__ = ["create_app"]
