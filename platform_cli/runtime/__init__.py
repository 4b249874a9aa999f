"""What generated repositories import: `Feature.load(repo)` then `feature.complete(prompt, variables)`."""

from platform_cli.runtime.feature import Feature, Result

__all__ = ["Feature", "Result"]
