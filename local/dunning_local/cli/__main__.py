from dunning_local.cli.main import app

app()
