from dunning.cli.main import app

app()
