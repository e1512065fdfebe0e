"""The ``sohoa`` command line.

Each capability registers its commands from a module of its own (``cli/commands/``), so this module
only assembles them and owns the outermost error boundary: a ``SohoaError`` becomes its message and
exit code, anything else is logged with its traceback.
"""

from __future__ import annotations

import logging
import sys

import typer

from cli.commands import COMMAND_MODULES
from sohoa import __version__
from sohoa.errors import SohoaError

log = logging.getLogger("sohoa")

app = typer.Typer(
    name="sohoa",
    help="Records digitization: OCR, metadata, storage and search for Vietnamese administrative archives.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug messages."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Log warnings and errors only."),
) -> None:
    """Sohoa command line."""
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # Third-party chatter drowns our one-decision-per-line logs.
    for noisy in ("elastic_transport", "urllib3", "httpx", "prefect"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


@app.command()
def version() -> None:
    """Print sohoa's version."""
    typer.echo(__version__)


for _module in COMMAND_MODULES:
    _module.register(app)


def run() -> None:
    """Entry point with the outermost error boundary."""
    try:
        app()
    except SohoaError as e:
        log.error("%s: %s", type(e).__name__, e.message)
        sys.exit(e.exit_code)
    except Exception:
        log.exception("unexpected error")
        sys.exit(1)
