"""Column mappings for common accounting-system exports (YAML files, see docs/imports.md)."""
