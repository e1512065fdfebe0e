# The two commands of the README: `make demo` (the main job) and `make test` (the whole suite).
.PHONY: demo test bootstrap services-up services-down lint bench-ocr bench-ocr-speed bench-metadata bench-blanks bench-search bench-ingest bench-archive bench-archive-e2e

VENV := .venv/bin
EVAL ?= ../shared/eval

bootstrap:
	@bash scripts/bootstrap.sh

services-up: bootstrap
	$(VENV)/sohoa services up

services-down:
	$(VENV)/sohoa services down

## demo: start the local services, ingest the bundled sample batch, show searches
demo: services-up
	$(VENV)/sohoa demo

## test: the whole suite against the real local services
test: services-up
	$(VENV)/python -m pytest

lint: bootstrap
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/mypy

bench-ocr: bootstrap
	$(VENV)/python bench/ocr_eval.py --eval $(EVAL)

bench-ocr-speed: bootstrap
	$(VENV)/python bench/ocr_speed.py --eval $(EVAL) --repeat 3

bench-metadata: bootstrap
	$(VENV)/python bench/metadata_eval.py --eval-dir $(EVAL)

bench-blanks: bootstrap
	$(VENV)/python bench/blank_eval.py --eval-dir $(EVAL)

bench-search: services-up
	$(VENV)/python bench/search_bench.py --eval-dir $(EVAL)

bench-ingest: services-up
	$(VENV)/python bench/ingest_bench.py --pages 100

bench-archive: services-up
	$(VENV)/python bench/archive_bench.py --eval $(EVAL)

bench-archive-e2e: services-up
	nice -n 10 $(VENV)/python bench/archive_bench.py --eval $(EVAL) --e2e --limit 14 --repeats 3
