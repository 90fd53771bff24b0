"""Python's cyclic garbage collector, paused where a pass makes many short-lived
objects and frees none: the engine's evaluation, a letter's layout."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector, restoring it as it was.

    An evaluation allocates hundreds of thousands of acyclic objects while the
    snapshot keeps millions alive; each automatic collection would walk all of
    them and could free nothing. A letter's layout is the same case
    (adapters.weasyprint_pdf).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
