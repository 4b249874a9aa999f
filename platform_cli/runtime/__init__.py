"""What generated repositories import: `Feature.load(repo)`, then `.complete(...)` and `.chat(...)`."""

from platform_cli.runtime.feature import Feature
from platform_cli.runtime.history import conversation_history
from platform_cli.runtime.result import AllProvidersFailed, Result

__all__ = ["AllProvidersFailed", "Feature", "Result", "conversation_history"]
