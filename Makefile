# xuetu: two commands. `make run` starts the portal, API and worker with demo data; `make test` passes the suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Debian packages: LibreOffice and CJK fonts for agreements, poppler and NSS tools to check PDFs, Chromium for
# the browser tests, gettext for translations, venv support for Debian's Python.
SYSTEM_PACKAGES := libreoffice-writer-nogui python3-uno fonts-noto-cjk fonts-wqy-zenhei poppler-utils \
	libnss3-tools chromium gettext python3-venv
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test setup system-packages venv services lint bench clean

run: setup
	@mkdir -p var
	$(BIN)/python manage.py migrate --no-input -v0
	$(BIN)/python -m contracts.sealing.devcert var/sealing
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runall

test: setup services
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: system-packages venv

system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages:" $$missing; \
		if [ "$$(id -u)" -ne 0 ]; then SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q ".[dev]"
	@touch $@

# PostgreSQL and Redis on 127.0.0.1: started where installed but stopped; a clear message where unreachable.
services:
	@bash bin/ensure-services

lint: venv
	$(BIN)/ruff check backend contracts worker tests bench
	$(BIN)/ruff format --check backend contracts worker tests bench
	$(BIN)/mypy backend worker contracts

bench: setup services
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf var .pytest_cache
