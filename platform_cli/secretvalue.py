"""`Secret`: a secret value that never shows itself. Low in the layers: providers read keys through it, and
the secrets package (backends, rotation, the reader) makes them."""

from __future__ import annotations

__all__ = ["Secret"]


class Secret:
    """A secret value that never shows itself: `repr`/`str` name the secret, `reveal()` returns the value.

    Only provider adapters call `reveal()`, at request time. `previous` is the version that stays valid
    during the grace period after a rotation (None outside it).
    """

    __slots__ = ("_value", "backend", "name", "previous", "version")

    def __init__(
        self,
        name: str,
        value: str,
        *,
        version: str | None = None,
        backend: str = "env",
        previous: Secret | None = None,
    ) -> None:
        self.name = name
        self._value = value
        self.version = version
        self.backend = backend
        self.previous = previous

    def reveal(self) -> str:
        """The value itself. Never log, print or store what this returns."""
        return self._value

    def __repr__(self) -> str:
        version = f", version={self.version!r}" if self.version is not None else ""
        return f"Secret({self.name!r}, backend={self.backend!r}{version}, value=***)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return (self.name, self.version, self._value) == (other.name, other.version, other._value)

    def __hash__(self) -> int:
        return hash((self.name, self.version))

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled (it would write the value out)")
