"""Features add demo content (a completed course, a certificate, ...) by appending a hook."""

HOOKS: list = []
