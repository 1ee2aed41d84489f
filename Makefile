# 民有所呼·我有所应 — hotline assistant. `make help` lists the commands.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
MODEL := models/hotline.tar.gz
TRAINING_INPUTS := config.yml domain.yml $(shell find nlu_data -type f 2>/dev/null) $(wildcard bot/nlu/*.py) bot/taxonomy.yml $(wildcard bot/citypacks/*/communities.yml)
export TF_CPP_MIN_LOG_LEVEL ?= 2

# Python 3.10 (Rasa 3.6 runs on 3.8–3.10): the first candidate that really is 3.10.
PYTHON310 := $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && { echo $$p; break; }; done)

.PHONY: help run test train shell lint format bench eval install clean browser fake-platforms

# Browser tests drive Debian's Chromium through Playwright; no browser is ever downloaded.
CHROMIUM_PACKAGES := chromium chromium-driver fonts-noto-cjk

help: ## list the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-8s %s\n", $$1, $$2}'

run: $(INSTALLED) $(MODEL) ## install, train if needed, start everything and print the URLs
	$(BIN)/hotline run

test: $(INSTALLED) $(MODEL) browser ## the whole suite: lint, types, unit/API/action/browser tests, conversation tests, full stack
	$(BIN)/ruff check bot actions connectors tests
	$(BIN)/ruff format --check bot actions connectors tests
	$(BIN)/mypy bot actions connectors
	$(BIN)/pytest -q
	$(BIN)/rasa test core --model $(MODEL) --stories tests/conversations --fail-on-prediction-errors --out var/results

fake-platforms: $(INSTALLED) ## local Telegram Bot API + WeChat stand-ins on :8081 (see tests/standins/__main__.py)
	$(BIN)/python -m tests.standins --port 8081

train: $(INSTALLED) ## train the Rasa model (again)
	$(BIN)/rasa train --config config.yml --domain domain.yml --data nlu_data --out models --fixed-model-name hotline

shell: $(INSTALLED) $(MODEL) ## chat with the bot in the terminal
	$(BIN)/hotline run --shell

lint: $(INSTALLED) ## ruff (lint + format check) and mypy
	$(BIN)/ruff check bot actions connectors tests
	$(BIN)/ruff format --check bot actions connectors tests
	$(BIN)/mypy bot actions connectors

format: $(INSTALLED) ## format the code with ruff
	$(BIN)/ruff format bot actions connectors tests
	$(BIN)/ruff check --fix bot actions connectors tests

bench: $(INSTALLED) $(MODEL) ## classification figures and latency on the held-out set; suggestion latency and exports; knowledge-base answers
	$(BIN)/hotline bench $(if $(STOCK_EPOCHS),--stock-epochs $(STOCK_EPOCHS))
	$(BIN)/hotline bench-suggest --requests 300 --export-rows $(or $(EXPORT_ROWS),100000)
	$(BIN)/hotline bench-knowledge

browser: ## install Debian's chromium (and Chinese fonts) for the browser tests when missing
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q . ; } || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get install -y $(CHROMIUM_PACKAGES) || { $$SUDO apt-get update && $$SUDO apt-get install -y $(CHROMIUM_PACKAGES); } || { \
		echo "无法安装 Chromium（工作台浏览器测试需要）。请手动执行：apt-get install -y $(CHROMIUM_PACKAGES)"; \
		echo "Could not install Chromium (needed by the workbench browser tests). Run: apt-get install -y $(CHROMIUM_PACKAGES)"; \
		exit 1; }; }

install: $(INSTALLED) ## create .venv with Python 3.10 and the locked dependencies

$(INSTALLED): requirements.lock pyproject.toml
	@if [ -z "$(PYTHON310)" ]; then \
		echo "需要 Python 3.10（Rasa 3.6 只支持 3.8–3.10）。请先安装，例如：apt-get install python3.10 python3.10-venv，或 pyenv install 3.10"; \
		echo "Python 3.10 is required (Rasa 3.6 supports 3.8-3.10). Install it, e.g. 'pyenv install 3.10' or your distribution's python3.10 and python3.10-venv."; \
		exit 1; fi
	@test -x $(BIN)/python || $(PYTHON310) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==24.3.1"
	$(BIN)/pip install --quiet --require-virtualenv -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

$(MODEL): $(INSTALLED) $(TRAINING_INPUTS)
	$(BIN)/rasa train --config config.yml --domain domain.yml --data nlu_data --out models --fixed-model-name hotline
	@touch $@

clean: ## remove the virtualenv, models, databases and caches
	rm -rf $(VENV) models var .rasa .mypy_cache .ruff_cache .pytest_cache
