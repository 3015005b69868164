# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DAGSTER_DISABLE_TELEMETRY := true

.PHONY: install demo test dev bench lint clean

$(BIN)/coachwh: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --constraint constraints.txt --editable '.[dev]'
	touch $(BIN)/coachwh

install: $(BIN)/coachwh
	$(BIN)/coachwh prepare

demo: install
	$(BIN)/coachwh demo

test: install
	$(BIN)/pytest

DAGSTER_HOME ?= $(abspath $(or $(COACHWH_HOME),coachwh_data))/dagster_home
dev: install
	mkdir -p $(DAGSTER_HOME) && cp pipelines/dagster.yaml $(DAGSTER_HOME)/dagster.yaml
	DAGSTER_HOME=$(DAGSTER_HOME) $(BIN)/dagster dev -w workspace.yaml

bench: install
	$(BIN)/python benchmarks/ingest_throughput.py

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf coachwh_data dbt_project/target dbt_project/logs
