"""One module per ``dunning`` sub-command (or group of related sub-commands)."""
