"""Model providers behind one Protocol, registered by kind (`fake` now; HTTP adapters arrive with issue 5)."""

from platform_cli.providers.base import Completion, Provider, ProviderError, Usage
from platform_cli.providers.fake import FakeProvider

__all__ = ["Completion", "FakeProvider", "Provider", "ProviderError", "Usage"]
