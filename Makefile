# The two commands of the README. Both install what they need and are safe to run twice.
.PHONY: farm test lint bootstrap bench fleet-demo

bootstrap:
	@bash scripts/bootstrap.sh

## farm: run the HIL suite on the inventory (the virtual lab by default) and print the report path
farm: bootstrap
	@bash scripts/run_farm.sh

## test: the project's own tests (unit + integration on the virtual lab) and ruff
test: bootstrap
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .
	@.venv/bin/python -m pytest testing -n 2 --dist loadgroup -p no:cacheprovider -q

bench: bootstrap
	@bash scripts/run_benchmarks.sh

## fleet-demo: farm fleet on loopback (Prefect server, workers pc-a/pc-b, S3); ends with the report path
fleet-demo: bootstrap
	@bash scripts/fleet_demo.sh
