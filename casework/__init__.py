"""Escalation cases: hand-off files for an agency or a solicitor, the agency's results, and
write-offs with their approval. The CLI, the API and the pages call these; the amounts are the
engine's (``engine.rules.case_file``) and the records the store's (``store.handoffs``)."""
