"""Importing the ERP's CSV exports (SPEC 3.2): schema, cells, streaming validation,
the error report, and where each uploaded file's import stands."""
