"""Many runs: replicate seeds spawned from a master seed, and replicate runners.

Everything about running many replicates lives here; it calls `sim`, never the other way
round. (Parameter sweeps at research scale are a later layer on top of this.)
"""
