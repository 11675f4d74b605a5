"""``python -m lastmile``: the command line, as the ``lastmile`` script."""

from lastmile.cli.main import app

app()
