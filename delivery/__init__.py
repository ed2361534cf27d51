"""Reminders that go out: the outbox, email over SMTP, letters for the print room, webhooks.

Uses ``engine`` for what a message says and ``store`` for the outbox; never ``api``. See
docs/decisions/006-delivery-package.md.
"""
