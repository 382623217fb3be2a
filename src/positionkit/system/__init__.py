"""What positionkit keeps on this machine outside a project: the per-user disk cache
(diskcache.py) and its private temp folders (scratch.py). Every stage may use them."""
