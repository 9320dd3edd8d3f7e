"""Batch generation for clinics: many patients from one CSV/JSONL file, locally or on Dask.

``rows`` reads the file, ``columns`` maps CSV cells to profile fields, ``prepare`` validates
rows into tasks, ``worker`` makes one patient's files, ``runner`` (process pool) and
``cluster`` (Dask) run the tasks, ``report`` and ``progress`` tell the user how it went, and
``driver`` ties them together for the ``rehabplan batch`` command.
"""
