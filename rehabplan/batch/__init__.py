"""Batch generation for clinics: many patients from one CSV/JSONL file, locally or on Dask.

``rows`` reads the file, ``columns`` maps CSV cells to profile fields, ``prepare`` validates
rows into tasks, ``worker`` makes one patient's files, ``runner`` (process pool) and
``cluster`` (Dask) run the tasks, ``report`` and ``progress`` tell the user how it went, and
``driver`` ties them together for the ``rehabplan batch`` command.
"""

RECYCLE_AFTER = 20
"""Patients per worker process before it is replaced. WeasyPrint's native side (Pango,
HarfBuzz, fontconfig through cffi) keeps ~0.8 MiB per handout that Python cannot free
(measured: no Python objects grow, malloc_trim gives nothing back), so a worker is kept
within ~10 % of its starting size by replacing it often; a replacement costs a fork from
the preloaded fork server and a one-line warm-up render."""
