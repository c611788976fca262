"""The model's mathematics as pure functions over numpy arrays.

Every function takes arrays whose trailing axes are the actor (or arrangement) axes and
accepts any leading batch axes, so one replicate (the Mesa model) and many replicates at
once (a batched engine, as the sweeps will need) can run the same code. No Mesa, no I/O, no global state: random
numbers arrive as arguments.

Modules: `trust` (events, solidarity, decay, balance, noise), `responses` (each actor's
choice of action), `events` (a day's events as arrays), `influence` (shares over the two
states), `corridor` (support, vetoes, agreement), `day` (one day's update in order); and two
helpers for batches, `batch` (taking some runs out of a batch) and `short_axis` (fast maxima over
the actor axis).
"""
