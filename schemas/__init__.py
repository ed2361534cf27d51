"""The JSON Schemas of the policy files, shipped with the tool so `dunning validate` finds them."""
