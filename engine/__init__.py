"""dunning-as-code engine: the policy model, its loading and validation, and the pure evaluation."""
