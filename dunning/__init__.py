"""The ``dunning`` command line: validate, test and plan policies; list today's actions; run the service."""
