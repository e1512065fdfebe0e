"""``python -m cli``: the same entry point (and error boundary, exit codes) as the ``sohoa`` script."""

from cli.main import run

run()
