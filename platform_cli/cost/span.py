"""Usage over several windows from one read of the ledger.

The dashboard shows its own window, the budget month and the soak window; the trends report groups the
same days by prompt version and by cohort. Instead of one roll-up per panel (each re-reading the same days),
`Span.read` reads every window's days once, split at the windows' ends (`Store.usage_rollup_split`), and
`Span.grouped` sums any of those windows by any subset of the dimensions read, in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from platform_cli.cost.figures import TRAFFIC_CLASSES, Figures, group_rows
from platform_cli.cost.window import Window
from platform_cli.store import Store

Grouped = dict[tuple[str, ...], dict[str, Figures]]


@dataclass(frozen=True)
class Span:
    dims: tuple[str, ...]  # "day" first
    cuts: tuple[str, ...]  # store timestamps, in order: every window's since and until
    pieces: tuple[Grouped, ...]  # [cuts[i], cuts[i+1]) grouped by all of `dims`

    @classmethod
    def read(
        cls,
        store: Store,
        feature: str,
        dims: Sequence[str],
        windows: Iterable[Window],
        *,
        latency: bool = True,
    ) -> Span:
        """One read of `feature`'s usage over every window (and what lies between them)."""
        cuts = sorted({stamp for w in windows for stamp in (w.since_ts, w.until_ts)})
        rows = store.usage_rollup_split(feature, dims, cuts, latency=latency) if len(cuts) > 1 else []
        return cls(tuple(dims), tuple(cuts), tuple(group_rows(piece) for piece in rows))

    def grouped(
        self, window: Window, by: Sequence[str], *, classes: Iterable[str] = TRAFFIC_CLASSES
    ) -> Grouped:
        """{keys of `by`: {traffic class: Figures}} over `window` (one of the windows read)."""
        try:
            first, last = self.cuts.index(window.since_ts), self.cuts.index(window.until_ts)
        except ValueError:
            raise ValueError(f"{window} is not one of the windows this span read") from None
        positions = [self.dims.index(name) for name in by]
        wanted = set(classes)
        out: Grouped = {}
        for piece in self.pieces[first:last]:
            for keys, by_class in piece.items():
                sub = tuple(keys[i] for i in positions)
                for traffic, fig in by_class.items():
                    if traffic in wanted:
                        out.setdefault(sub, {}).setdefault(traffic, Figures()).merge(fig)
        return out
