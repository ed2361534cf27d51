"""The ledger store: the company's ledger and action log in SQLite or PostgreSQL, via SQLAlchemy 2.

``store`` is the only package that imports SQLAlchemy. It reads the ledger into the engine's
records (``store.reader``), imports accounting-system exports atomically (``store.imports``),
records what staff did (``store.outcomes``) and builds the demo ledger (``store.demo``).
"""
