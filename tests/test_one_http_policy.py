"""Every outbound HTTP call goes through platform_cli.httpclient (requests sessions) or its urllib3 twin for
the model providers, platform_cli.httptransport: no other module opens its own session or pool."""

from __future__ import annotations

import re
from pathlib import Path

import platform_cli

DIRECT = re.compile(
    r"requests\.(?:Session\(|get\(|post\(|put\(|delete\(|patch\(|head\(|request\()"
    r"|urllib\.request|urlopen\(|http\.client|httpx\.|aiohttp\.|urllib3\.|import urllib3"
)


def test_no_module_but_httpclient_talks_http_directly() -> None:
    root = Path(platform_cli.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        if path.name in ("httpclient.py", "httptransport.py"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if DIRECT.search(code):
                offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert offenders == [], "use platform_cli.httpclient.new_session():\n" + "\n".join(offenders)
