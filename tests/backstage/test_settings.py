"""Where the catalog URL and token come from, and that the token never shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from platform_cli.backstage.client import CatalogClient
from platform_cli.backstage.settings import catalog_settings, require_settings
from platform_cli.errors import UserError


def _config(home: Path, text: str) -> None:
    path = home / ".config" / "platform-cli" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_nothing_configured_is_none_and_required_says_how(isolated_home: Path) -> None:
    assert catalog_settings({}) is None
    with pytest.raises(UserError, match=r"set \$BACKSTAGE_URL \(and \$BACKSTAGE_TOKEN\)"):
        require_settings({})


def test_config_file_then_environment(isolated_home: Path) -> None:
    _config(isolated_home, "backstage:\n  url: https://backstage.example.com/\n  token: from-config-123\n")
    settings = catalog_settings({})
    assert settings is not None and settings.url == "https://backstage.example.com"
    assert settings.token is not None and settings.token.reveal() == "from-config-123"
    assert "config.yaml (backstage.url)" in settings.source
    env = {"BACKSTAGE_URL": "http://127.0.0.1:7007", "BACKSTAGE_TOKEN": "from-env-456"}
    settings = catalog_settings(env)
    assert (
        settings is not None
        and settings.url == "http://127.0.0.1:7007"
        and settings.source == "$BACKSTAGE_URL"
    )
    assert settings.token is not None and settings.token.reveal() == "from-env-456"
    shown = repr(settings) + str(CatalogClient(settings).__repr__())
    assert "from-env-456" not in shown and "from-config-123" not in shown


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("backstage.example.com", "is not an http(s) URL"),
        ("ftp://backstage.example.com", "is not an http(s) URL"),
        ("https://user:pw@backstage.example.com", "must not carry credentials"),
        ("https://backstage.example.com/?token=x", "must not carry credentials, a query"),
    ],
)
def test_a_bad_url_is_bad_input_naming_where_it_was_set(url: str, says: str) -> None:
    with pytest.raises(UserError, match="BACKSTAGE_URL") as raised:
        catalog_settings({"BACKSTAGE_URL": url})
    assert says in str(raised.value)


def test_a_malformed_config_section_is_bad_input(isolated_home: Path) -> None:
    _config(isolated_home, "backstage: https://backstage.example.com\n")
    with pytest.raises(UserError, match="backstage must be a mapping with keys url and token"):
        catalog_settings({})
    _config(isolated_home, "backstage:\n  url: 7007\n")
    with pytest.raises(UserError, match=r"backstage\.url must be a string"):
        catalog_settings({})
