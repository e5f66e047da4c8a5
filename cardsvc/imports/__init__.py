"""Bulk import of residents and cards from CSV: a whole file or nothing (docs/import-formats.md)."""
