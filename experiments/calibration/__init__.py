"""Calibration against the dated event record: observable summaries, ABC-SMC, posteriors, forecasts."""
