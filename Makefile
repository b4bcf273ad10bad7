# The obvious targets. `make check` is exactly what CI runs (the README's test command).
.PHONY: setup demo test check lint format golden bench clean

VENV := .venv/bin

setup:            ## make .venv from requirements.lock (reinstalls only when the lock changed)
	bash scripts/bootstrap.sh

demo: setup       ## the sample county's two quarters, published under data/sample/out/
	$(VENV)/povwatch demo

test: setup       ## the fast tier: unit, SQL, property and catalogue tests (no end-to-end run), well under a minute
	$(VENV)/python -m pytest -m "not slow" -q -n 2

check:            ## lint, format and the whole suite: what CI runs
	bash scripts/bootstrap.sh && $(VENV)/ruff check . && $(VENV)/ruff format --check . && $(VENV)/python -m pytest

lint: setup
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .

format: setup     ## rewrite the code in the house style
	$(VENV)/ruff format .
	$(VENV)/ruff check --fix .

golden: setup     ## rewrite tests/golden/ from the sample county (review the diff before committing)
	$(VENV)/python -m pytest tests/test_golden.py --update-golden -q

bench: setup      ## docs/performance.md's measurements (minutes; not part of the tests)
	$(VENV)/python bench/run_bench.py --scales county --data-root /tmp/povwatch-bench

clean:
	rm -rf data/sample/inbox data/sample/out data/sample/planted data/sample/warehouse.duckdb* data/sample/.work
