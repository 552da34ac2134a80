# Quick start: `make demo` (load the sample story, open the console) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORPUS ?= ../shared/corpus
DEMO_DB := .demo/briefbot.sqlite3
# The sample story's own content note; a deployment sets BRIEFBOT_CONTENT_NOTE for its story.
DEMO_NOTE := the material describes torture and sexual violence.

.PHONY: install demo test lint bench clean

$(BIN)/briefbot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/briefbot

demo: install
	@mkdir -p .demo
	BRIEFBOT_DB=$(DEMO_DB) $(BIN)/python -m bot.demo $(CORPUS)
	BRIEFBOT_DB=$(DEMO_DB) BRIEFBOT_CONTENT_NOTE="$(DEMO_NOTE)" $(BIN)/briefbot console

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check config store ingest bot tests benchmarks
	$(BIN)/mypy

# Builds seeded synthetic stores (10k, 100k, 1M events; cached in bench/cache/, ~3 min
# the first time), then rewrites bench/results.json, docs/latency.png and the README table.
bench: install
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m benchmarks $(BENCH)

clean:
	rm -rf $(VENV) .demo build *.egg-info
