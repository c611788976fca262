"""The `caucasus` command line: the one layer that may import `sim`, `experiments` and `viz`."""

import os

# The model multiplies 8 x 8 matrices, which BLAS threads cannot speed up, and OpenBLAS's idle
# threads spin on the other cores (a serial run used two cores' time for one core's work). One
# thread unless the user says otherwise, as Dask sets for its workers. Set before numpy loads.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
