"""API schemas (``XCreate`` / ``XUpdate`` / ``XRead``), separate from tables and domain."""
