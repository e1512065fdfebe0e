from sohoa.cli import app

app()
