"""chat() with the state store unreachable: it answers without history and says so, as complete() does."""

from __future__ import annotations

from pathlib import Path

from runtime_support import write_feature

from platform_cli.runtime import Feature


def test_chat_serves_with_an_empty_history_while_the_store_is_down(tmp_path: Path) -> None:
    repo = write_feature(tmp_path / "repo")
    url = f"sqlite:///{tmp_path / 'state.db'}"
    with Feature.load(repo, state_url=url) as feature:
        first = feature.chat("conv-1", "hello")  # also keeps the last-known-good chat prompt on disk
        second = feature.chat("conv-1", "and my refund?")
    assert (first.history_source, second.history_source, second.history_turns) == ("store", "store", 2)

    (tmp_path / "state.db").replace(tmp_path / "state.db.away")
    (tmp_path / "state.db").mkdir()  # the same store, down: SQLite cannot open a directory
    with Feature.load(repo, state_url=url) as feature:
        down = feature.chat("conv-1", "are you there?")
        assert down.text and (down.prompt, down.prompt_version) == ("chat", 1)
        assert (down.history_turns, down.history_source) == (0, "unavailable")
        assert down.prompt_source == "last-known-good"
        assert feature.flush(0.3) is False  # its usage event waits for the store


def test_a_dropped_store_connection_is_replaced_after_the_back_off(tmp_path: Path) -> None:
    """A failed store call drops this thread's connection, so the next try after the back-off reconnects."""
    repo = write_feature(tmp_path / "repo")
    with Feature.load(repo, state_url=f"sqlite:///{tmp_path / 'state.db'}") as feature:
        feature.link.retry_s = 0.0
        feature.chat("conv-1", "hello")
        feature.link.require().close()  # the connection dies under the feature (server restart, idle timeout)
        assert feature.chat("conv-1", "still there?").history_source == "unavailable"
        again = feature.chat("conv-1", "and now?")
    assert (again.history_source, again.history_turns) == ("store", 2)
