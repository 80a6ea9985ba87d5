# The README's commands. `make synth` and `make test` set everything up on a fresh machine
# (Python 3.11, Node 20, npm, make).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
CDK := node_modules/.bin/cdk
STAMPS := .stamps
RUNTIME_LINK := $(STAMPS)/mypy/serverless_inference_runtime
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_DEPRECATED := quiet
export CDK_DISABLE_CLI_TELEMETRY := true

.PHONY: synth test test-wheel lint typecheck unit docs deploy diff destroy bench bench-fan-out clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMPS)/python: $(BIN)/python requirements.txt requirements-dev.txt cli/requirements.txt pyproject.toml cli/pyproject.toml
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip install --quiet --no-deps -e cli
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/node: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

synth: $(STAMPS)/python $(STAMPS)/node ## Synthesize every environment into cdk.out
	$(CDK) synth --quiet

test: lint typecheck unit ## Ruff, mypy and pytest

lint: $(STAMPS)/python
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMPS)/python $(RUNTIME_LINK)
	$(BIN)/mypy

# mypy finds a package by its folder's name; lambda/ is installed as serverless_inference_runtime
# (setuptools package-dir), so mypy reads it through this link (pyproject.toml [tool.mypy]).
$(RUNTIME_LINK):
	@mkdir -p $(@D) && ln -sfn ../../lambda $@

unit: $(STAMPS)/python $(STAMPS)/node
	$(BIN)/pytest

test-wheel: $(STAMPS)/python ## Build both wheels, check their metadata, install them in a fresh venv, synthesize an app and run the command
	$(BIN)/pytest -m wheel

docs: $(STAMPS)/python ## The API reference: HTML from the docstrings of both packages in build/docs (not committed)
	$(BIN)/python scripts/api_docs.py --output build/docs

bench: $(STAMPS)/python $(STAMPS)/node ## Synth time of this app vs a bare app, and the tests' time
	$(BIN)/python scripts/bench.py

bench-fan-out: $(STAMPS)/python ## The fan-out function's time against its slowest member (fake SageMaker)
	$(BIN)/python scripts/bench_fan_out.py

# ENV=dev: that environment's own stack only (never the pipeline stack). No ENV: every
# top-level stack: each environment's, or the pipeline stack alone once cdk.json configures
# a pipeline (its stages deploy the environments; `--all` never selects stacks inside them).
STACK_PREFIX := ServerlessInference
STACKS = $(if $(ENV),-c env=$(ENV) $(STACK_PREFIX)-$(ENV),--all)

deploy: $(STAMPS)/python $(STAMPS)/node ## Deploy (pick one environment with ENV=dev)
	$(CDK) deploy $(STACKS)

diff: $(STAMPS)/python $(STAMPS)/node
	$(CDK) diff $(STACKS)

destroy: $(STAMPS)/python $(STAMPS)/node
	$(CDK) destroy $(STACKS)

clean:
	rm -rf $(VENV) node_modules cdk.out $(STAMPS) .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info \
		cli/build cli/dist cli/*.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
