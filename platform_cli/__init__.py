"""platform-cli: golden-path scaffolding and readiness gating for AI features."""

# The one place the version is written: pyproject.toml reads it from here (setuptools' `attr:`), and
# reading it costs nothing at start-up (importlib.metadata would scan every installed distribution).
__version__ = "0.1.0"

__all__ = ["__version__"]
