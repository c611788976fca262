"""The live Solara dashboard: watch, step and steer a run, compare what-ifs, explore sweeps.

`viz.app` is the Solara app (`caucasus dashboard` serves it); every browser session builds
its own model. The package reads `sim` and `experiments`; `sim` never imports it.
"""
