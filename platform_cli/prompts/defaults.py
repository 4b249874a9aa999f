"""Registry constants cheap enough for CLI start-up (no manifest, store or Jinja imports)."""

DEFAULT_LABEL = "production"  # the label the runtime serves and `prompts promote` moves by default
