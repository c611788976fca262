"""Many runs of the model: replicates, counterfactuals, parameter sweeps, their analysis, the benchmark.

- `replicates`: replicate seeds spawned from a master seed, and replicate runners;
- `counterfactual`: two scenarios on common random numbers, compared day by day;
- `sweep_config`, `design`, `runner`, `store/`: sweeps (configs, SALib designs, chunks on the
  ensemble or Mesa engine, serial or on Dask, streamed resumable Parquet results);
  `sweep_size`: a sweep's size before it starts (points, runs, time, disk, memory) and the
  ceilings above which it needs `--yes`; `verify`: `caucasus verify DIR`, a sweep's, run's or
  comparison's directory checked (chunks against the manifest and their checksums, stray files);
- `sensitivity`: the registry of design kinds (sampler, size, config rules) and sensitivity
  methods (analyser, index table, ranking, report columns, figure);
- `analysis` (the steps of `caucasus analyze`), `store` (reading a sweep back, checked),
  `summaries` (intervals and summaries), `report` and `formatting` (the text), `figures`,
  `analysis_files` (writing them): the analysis of a finished sweep;
- `bench`: runs/s of `mesa.batch_run`, the Mesa engine and the ensemble engine.

Everything here calls `sim`, never the other way round.
"""
