"""Calibration against the dated event record, and forecasts with their scores.

- `observed`: observable events, read the same way from the record and from runs' journals;
- `summaries`: summary statistics of those events (counts, delays, highest rungs, conciliatory acts);
- `config`: calibration configs (`configs/calibration/*.toml`);
- `simulator`: the batched simulator ELFI calls, and the distance;
- `abc`: ABC-SMC with ELFI, one generation at a time (`caucasus calibrate`); `screening`: Morris
  screening of the priors first (`--screen`); `clients`: where ELFI computes (here or on Dask);
- `store`: the calibration's directory, written as it goes (resumable); `outputs`: its posterior,
  diagnostics, predictive checks, figures and report; `posterior`: the posterior's format;
- `named_events`, `forecast`, `scoring`: `caucasus forecast` and `caucasus score`;
- `synthetic`, `coverage`: the known-answer check (simulation-based calibration): records made by
  the model at known values, and the coverage of the credible intervals.
"""
