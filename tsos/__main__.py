from tsos.cli import app

app()
