# `make serve` and `make test`; both create .venv on first use. `make serve` installs only what
# the server needs; `make test` adds the test tools. `make dist` builds the wheel and sdist in a
# small venv of its own (build and setuptools only); `make image` builds the Docker image with
# no registry, from Debian's packages, as the container test does.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SERVE_STAMP := $(VENV)/.serve-stamp
TEST_STAMP := $(VENV)/.test-stamp
# The test extras, pinned with their hashes: `make lock` regenerates it from pyproject.toml.
LOCK := requirements-test.lock
# pytest's workers (pytest-xdist); a module's tests stay on one worker, sharing its servers,
# and modules go out in collection order, which tests/conftest.py starts with the longest.
WORKERS ?= auto
XDIST := -n $(WORKERS) --dist loadfile --no-loadscope-reorder
STAGES := $(VENV)/.test-stages

.PHONY: help serve test test-fast lint typecheck unit install lock dist image clean bench
# `make dist`'s own venv: the build front end and backend, nothing of the test toolchain.
BUILD_VENV ?= .venv-build
BUILD_STAMP := $(BUILD_VENV)/.build-stamp
# `make image`'s tag: the one the docs' docker, compose and Testcontainers examples name.
IMAGE ?= mockgraph:latest
.DEFAULT_GOAL := help

help:  ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{ printf "  make %-10s %s\n", $$1, $$2 }'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(SERVE_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# Installed once from the lock file (hashes checked; pip's cache makes a repeat quick).
$(TEST_STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	@echo "make: installing the test extras from $(LOCK) into $(VENV) (pip, hashes checked)"
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@ $(SERVE_STAMP)

lock: | $(BIN)/python  ## regenerate requirements-test.lock (pip-tools) after a test dependency changes
	$(BIN)/python -m pip install --quiet "pip-tools>=7.4"
	$(BIN)/pip-compile --quiet --generate-hashes --extra test --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links -o $(LOCK) pyproject.toml

install: $(TEST_STAMP)  ## everything, for development

serve: $(SERVE_STAMP)  ## run the server at its defaults
	$(BIN)/mockgraph serve

lint: $(TEST_STAMP)  ## ruff
	$(BIN)/ruff check mockgraph tests benchmarks
	$(BIN)/ruff format --check mockgraph tests benchmarks

typecheck: $(TEST_STAMP)  ## mypy --strict
	$(BIN)/mypy

unit: $(TEST_STAMP)  ## the whole pytest suite, across cores
	$(BIN)/pytest -rs $(XDIST)

define PLAN
make test will:
  install  the test extras from $(LOCK) into $(VENV), once (pip; skipped while it is current)
  run      ruff and mypy --strict, then pytest on $(WORKERS) workers (pytest-xdist), longest
           modules first
  start    mockgraph servers on free loopback ports; with root, one on port 443 (MSAL's
           username/password flow); a Java client if a JDK is installed
  install  the Node clients' npm packages into tests/e2e/node/node_modules, and the CLI for
           Microsoft 365 into tests/e2e/m365/, once (npm)
  install  the Azure CLI into ~/.cache/mockgraph-tests/azure-cli-<version>, once (pip; minutes
           when cold), and the documentation examples' venvs (only what each block declares)
  build    the Docker image (tests/test_container.py): where no engine runs it installs
           docker.io and debootstrap (apt-get, as root) and starts dockerd; the Debian base
           image is debootstrapped once and reused while its recipe is unchanged
           (pytest --ignore=tests/test_container.py leaves this out; make test-fast too)
endef
export PLAN

test:  ## the full suite CI runs: lint, types, every test (across cores), timed per stage
	@echo "$$PLAN"
	@rm -f $(STAGES)
	@.ci/stage $(STAGES) install $(MAKE) --no-print-directory $(TEST_STAMP)
	@.ci/stage $(STAGES) lint $(MAKE) --no-print-directory lint
	@.ci/stage $(STAGES) typecheck $(MAKE) --no-print-directory typecheck
	@.ci/stage $(STAGES) pytest $(MAKE) --no-print-directory unit; rc=$$?; \
		.ci/stage $(STAGES) --report; exit $$rc

# The edit-test loop: no end-to-end clients, container, packaging or benchmark smoke run, and
# no test that starts a process of its own or regenerates a whole document (marked full_suite).
test-fast: $(TEST_STAMP)  ## unit and in-process tests only, across cores: the edit-test loop
	$(BIN)/pytest $(XDIST) -m "not full_suite" --ignore=tests/e2e --ignore=tests/test_container.py \
		--ignore=tests/test_benchmarks.py --ignore=tests/test_packaging.py \
		--ignore=tests/test_python312.py

$(BUILD_STAMP): pyproject.toml
	$(PYTHON) -m venv $(BUILD_VENV)
	$(BUILD_VENV)/bin/python -m pip install --quiet "build>=1.2" "setuptools>=77"
	touch $@

dist: $(BUILD_STAMP)  ## the wheel and sdist in dist/ (a build venv of its own, no test tools)
	rm -rf dist
	$(BUILD_VENV)/bin/python -m build --no-isolation --outdir dist .

# tests/container/build-image.sh: starts a Docker engine if none runs (installing docker.io and
# debootstrap with apt-get, as root, when missing), debootstraps a Debian bookworm base with
# Python once (cached while its recipe is unchanged), then builds the Dockerfile on it.
image:  ## the Docker image (IMAGE=mockgraph:latest) offline: a Debian base from Debian's packages, no registry
	bash tests/container/build-image.sh $(IMAGE)

bench: $(TEST_STAMP)  ## the benchmark against the peers, at mockgraph's defaults (under 10 minutes)
	command -v wrk >/dev/null || (echo "make bench: installing wrk (apt-get)" && apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python benchmarks/run.py --update-docs

clean:  ## remove the virtualenv and build output
	rm -rf $(VENV) $(BUILD_VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info build dist
