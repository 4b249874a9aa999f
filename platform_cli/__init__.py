"""platform-cli: golden-path scaffolding and readiness gating for AI features."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("platform-cli")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
