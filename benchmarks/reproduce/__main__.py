"""``python -m benchmarks.reproduce``: see :mod:`benchmarks.reproduce`."""
from .cli import main

main()
