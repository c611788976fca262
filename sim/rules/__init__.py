"""The model's mathematics as pure functions over numpy arrays.

Every function takes arrays whose trailing axes are the actor (or arrangement) axes and
accepts any leading batch axes, so one replicate (the Mesa model) and many replicates at
once (the ensemble engine) run the same code; the arithmetic is compiled with numba. No
Mesa, no I/O, no global state: random numbers are made from the runs' seeds and the day where
they are used (`stream`).

Modules: `trust` (events, solidarity, decay, balance, noise), `responses` (each actor's
choice of action), `events` (a day's events as arrays), `influence` (shares over the two
states), `corridor` (support, vetoes, agreement), `day` (one day's update in order), `stream`
(the keyed random numbers); and helpers for batches, `batch` (the compiled kernels' loop over
runs, their on-disk cache, and taking some runs out of a batch), `shapes` (each array's shape in
one run) and `short_axis` (fast maxima over a short trailing axis).
"""
