import os

import torch


def pytest_configure(config):
    r"""Under pytest-xdist (``-n``), every worker process gets an equal
    share of the CPU's cores for torch's intra-op threads, so that the
    workers do not oversubscribe the machine."""
    workers = os.environ.get('PYTEST_XDIST_WORKER_COUNT')
    if workers is not None:
        torch.set_num_threads(
            max(1, (os.cpu_count() or 1) // int(workers)))
