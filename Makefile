# `make serve` and `make test`; both create .venv on first use. `make serve` installs only what
# the server needs; `make test` adds the test tools. `make dist` builds the wheel and sdist.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SERVE_STAMP := $(VENV)/.serve-stamp
TEST_STAMP := $(VENV)/.test-stamp

.PHONY: serve test lint typecheck unit install dist clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(SERVE_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(SERVE_STAMP)

# Everything, for development.
install: $(TEST_STAMP)

serve: $(SERVE_STAMP)
	$(BIN)/mockgraph serve

lint: $(TEST_STAMP)
	$(BIN)/ruff check mockgraph tests benchmarks
	$(BIN)/ruff format --check mockgraph tests benchmarks

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

unit: $(TEST_STAMP)
	@echo "make test: tests/test_container.py builds and runs the Docker image; where no Docker"
	@echo "  engine runs, it first installs docker.io and debootstrap (apt-get, as root) and"
	@echo "  starts dockerd, saying so as it goes (.venv/bin/pytest --ignore=tests/test_container.py"
	@echo "  leaves it out)."
	$(BIN)/pytest -rs

test: lint typecheck unit

# The wheel and sdist in dist/, for `pip install dist/mockgraph-*.whl` in another project.
dist: $(TEST_STAMP)
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist .

# The benchmark against the peers (about 15 minutes); not part of `make test`.
bench: $(TEST_STAMP)
	command -v wrk >/dev/null || (echo "make bench: installing wrk (apt-get)" && apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python benchmarks/run.py --update-docs

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info build dist
