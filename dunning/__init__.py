"""The ``dunning`` command line: check, test and plan the policy; list the actions; serve them."""
