"""Results: rows, run merge, report, regressions, stores and trends.

* ``schema.ResultRow`` / ``writer.RowWriter``: one atomic JSON row per test (``rows/``).
* ``finish.finish_run(run_dir, run_info)``: merge -> results.parquet/csv + run.json, compare
  with the previous run (regressions.json), render the HTML report and the index of runs.
* ``junit.junit_properties`` / ``regression_properties``, ``exitcodes.run_exit_code``.
* ``push.push_run`` with ``store.open_store(farm.store_config.load_store_config())``; ``trends``.
* ``progress.ProgressTracker``: live view state. The `farm report/push/trends` commands are in
  :mod:`farm.cli.results`.
"""
