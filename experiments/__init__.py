"""Many runs: replicate seeds spawned from a master seed, and replicate runners.

Everything about running many replicates lives here; it calls `sim`, never the other way
round. (Parameter sweeps, the ensemble engine and Dask are a later layer on top of this.)
"""
