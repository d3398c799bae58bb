# Every target creates or reuses .venv and installs what it needs, so on a fresh machine
# `make demo` and `make test` are the only commands a person types.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STAGE ?= dev
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help venv node demo test test-fast synth deploy lint format bench evaluate sample-data clean

help:
	@echo "make demo      one full purchase-order cycle on the sample data, locally"
	@echo "make test      every test: unit, integration, infrastructure, e2e"
	@echo "make synth     write the CloudFormation template (STAGE=$(STAGE)) to cdk.out/"
	@echo "make deploy    deploy STAGE=dev|prod with the CDK CLI pinned in package.json"
	@echo "make lint      ruff and mypy"
	@echo "make bench     benchmarks; figures to build/bench.json"
	@echo "make evaluate  replenishment policy evaluation; figures to build/evaluation.json"

$(STAMP): requirements.txt layers/core/requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.installed

node: node_modules/.installed

demo: venv
	$(BIN)/python -m sandbox.demo

test: venv node
	$(BIN)/python -m pytest -n 2 --dist loadfile

test-fast: venv
	$(BIN)/python -m pytest -m "not slow" -q

synth: venv node
	npx cdk synth -c stage=$(STAGE) --quiet
	@echo "template: cdk.out/FcPo-$(STAGE).template.json"

deploy: venv node
	npx cdk deploy -c stage=$(STAGE) --require-approval broadening

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy layers/core/python lambdas sandbox infrastructure tools app.py

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

evaluate: venv
	$(BIN)/python -m tools.evaluate

bench: venv
	$(BIN)/python -m tools.bench

sample-data: venv
	$(BIN)/python -m tools.generate_sample_data

clean:
	rm -rf $(VENV) node_modules cdk.out build .layer-build
