"""Neural relational inference (NRI, fNRI, sfNRI) for PyTorch Geometric."""
__version__ = '0.1.0'
