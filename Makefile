# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# `make` alone lists the targets.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 3000
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DAGSTER_DISABLE_TELEMETRY := true

.DEFAULT_GOAL := help
.PHONY: help install demo test dev bench lint clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z]+):.*## (.*)/  make \1\t\2/' | expand -t 16

$(BIN)/coachwh: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --constraint constraints.txt --editable '.[dev]'
	touch $(BIN)/coachwh

install: $(BIN)/coachwh ## create .venv with the pinned versions, parse the dbt project
	$(BIN)/coachwh prepare

demo: install ## write the seeded sample, run everything, print a summary and the reports
	$(BIN)/coachwh demo

test: install ## the whole test suite
	$(BIN)/pytest

# exec: the signals make forwards (SIGTERM) reach Dagster itself.
dev: install ## the Dagster UI and daemon on the runs' instance (HOST=127.0.0.1 PORT=3000)
	exec $(BIN)/coachwh dev --host $(HOST) --port $(PORT)

bench: install ## the ingest throughput benchmark
	$(BIN)/python benchmarks/ingest_throughput.py

lint: install ## ruff check and format check
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean: ## remove the data home and dbt's build files
	rm -rf coachwh_data dbt_project/target dbt_project/logs
