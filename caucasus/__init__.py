"""The `caucasus` command line: the one layer that may import `sim`, `experiments` and `viz`."""
