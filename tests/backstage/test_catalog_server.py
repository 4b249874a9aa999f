"""`platform catalog` and the readiness annotations against a REAL Backstage catalog backend on 127.0.0.1.

The backend (catalog plugin 4.0.5, backend-defaults 0.19.0, in-memory SQLite) is started once per test
process by the `backstage` fixture. Registered repos are `file` locations: generated feature repos in
temp directories the backend reads directly. Each test uses its own feature name, so tests sharing the
server do not see each other's entities.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import backstage_server
import pytest
import requests

from platform_cli.backstage.client import CatalogClient, CatalogError
from platform_cli.backstage.settings import CatalogSettings
from platform_cli.cli.main import run
from platform_cli.resources import templates_dir
from platform_cli.scaffold import new_feature
from platform_cli.secrets.model import Secret

INGEST_S = 30.0  # a registered entity appears after about 2 s; a loaded CI machine gets room


def _repo(tmp_path: Path, name: str) -> Path:
    dest = tmp_path / name
    new_feature(dest, {"name": name.replace("-", " ").title(), "eval_owner": "jane.doe@example.com"})
    return dest


def _cli(repo: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = run(["--repo", str(repo), *args])
    out, err = capsys.readouterr()
    return code, out, err


def _client(server: backstage_server.BackstageServer) -> CatalogClient:
    return CatalogClient(CatalogSettings(server.url, Secret("BACKSTAGE_TOKEN", server.token), "test"))


def _poll(what: str, probe: Callable[[], Any], timeout: float = INGEST_S) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout:g}s")
        time.sleep(0.5)


@pytest.mark.usefixtures("catalog_env")
def test_register_status_annotate_refresh_unregister(
    tmp_path: Path, backstage: backstage_server.BackstageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(tmp_path, "lifecycle-feature")
    ref = "component:default/lifecycle-feature"

    # dry run: Backstage validates and nothing is registered
    code, out, _ = _cli(repo, "catalog", "register", "--dry-run", capsys=capsys)
    assert code == 0, out
    assert f"dry run: Backstage accepts {ref}" in out
    client = _client(backstage)
    assert client.locations() == [] or all(
        "lifecycle-feature" not in loc["target"] for loc in client.locations()
    )

    # not registered: status says so at once (exit 1), without waiting
    code, out, _ = _cli(repo, "catalog", "status", "--wait", "60", capsys=capsys)
    assert code == 1 and f"{ref} is not in the catalog" in out

    # register (201), then status polls while the catalog ingests it
    code, out, _ = _cli(repo, "catalog", "register", "--format", "json", capsys=capsys)
    assert code == 0, out
    registered = json.loads(out)
    assert registered["action"] == "registered" and registered["location"]["type"] == "file"
    assert registered["location"]["target"] == str((repo / "catalog-info.yaml").resolve())
    # at once again, before the catalog has ingested it: 409, success, nothing to refresh yet
    code, out, _ = _cli(repo, "catalog", "register", capsys=capsys)
    assert code == 0, out
    assert f"{ref} was already registered" in out
    code, out, _ = _cli(repo, "catalog", "status", "--wait", str(INGEST_S), "--format", "json", capsys=capsys)
    assert code == 0, out
    status = json.loads(out)
    assert status["action"] == "found" and status["location"]["id"] == registered["location"]["id"]
    assert status["entity"]["spec"] == {
        "type": "service",
        "lifecycle": "experimental",
        "owner": "team-lifecycle-feature",
    }

    # registering again: 409 from Backstage, success for us
    code, out, _ = _cli(repo, "catalog", "register", capsys=capsys)
    assert code == 0, out
    assert f"{ref} was already registered" in out
    direct = requests.post(
        f"{backstage.url}/api/catalog/locations",
        json={"type": "file", "target": str((repo / "catalog-info.yaml").resolve())},
        headers={"Authorization": f"Bearer {backstage.token}"},
        timeout=10,
    )
    assert direct.status_code == 409  # what the command turned into success

    # readiness --annotate writes the level; after a refresh (register again) the catalog shows it. The
    # failing rules expected are the ones the gate itself reports for this repo (they grow with the pack).
    code, out, _ = _cli(repo, "readiness", "check", "--format", "json", capsys=capsys)
    failing_now = sorted(f["rule_id"] for f in json.loads(out)["findings"] if f["failed"])
    assert code == 0 and {"fallback-provider", "prompt-label-production"} <= set(failing_now)
    code, _, err = _cli(repo, "readiness", "check", "--annotate", capsys=capsys)
    assert code == 0 and "annotated catalog-info.yaml: level bronze" in err
    code, out, _ = _cli(repo, "catalog", "register", capsys=capsys)
    assert code == 0 and "refresh" in out

    def annotated() -> dict[str, Any] | None:
        entity = client.entity("component", "default", "lifecycle-feature")
        annotations = (entity or {}).get("metadata", {}).get("annotations", {})
        return annotations if "platform.dev/readiness-level" in annotations else None

    annotations = _poll("the readiness annotation reaching the catalog", annotated)
    assert annotations["platform.dev/readiness-level"] == "bronze"
    assert annotations["platform.dev/readiness-failing"] == ",".join(failing_now)
    assert annotations["platform.dev/readiness-checked-at"].endswith("Z")
    code, out, _ = _cli(repo, "catalog", "status", capsys=capsys)
    assert code == 0 and "platform.dev/readiness-level: bronze" in out

    # unregister: dry run changes nothing; then the location and the entity are gone
    code, out, _ = _cli(repo, "catalog", "unregister", "--dry-run", capsys=capsys)
    assert code == 0 and "would remove it" in out
    assert client.entity("component", "default", "lifecycle-feature") is not None
    code, out, _ = _cli(repo, "catalog", "unregister", capsys=capsys)
    assert code == 0 and f"unregistered {ref}" in out
    assert client.entity("component", "default", "lifecycle-feature") is None
    code, out, _ = _cli(repo, "catalog", "unregister", capsys=capsys)
    assert code == 0 and "is not registered" in out
    client.close()


@pytest.mark.usefixtures("catalog_env")
def test_dry_run_of_an_entity_backstage_rejects_shows_its_message(
    tmp_path: Path, backstage: backstage_server.BackstageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Our own rules stop a bad file before Backstage sees it; a `--target` we did not check is judged by
    Backstage, and its 400 and message reach the user."""
    repo = _repo(tmp_path, "rejected-feature")
    bad = tmp_path / "other" / "catalog-info.yaml"
    bad.parent.mkdir()
    bad.write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: Not A Valid Name!\n"
        "spec:\n  type: service\n  lifecycle: experimental\n  owner: team-x\n",
        encoding="utf-8",
    )
    code, _, err = _cli(repo, "catalog", "register", "--dry-run", "--target", str(bad), capsys=capsys)
    assert code == 2
    assert "HTTP 400 InputError" in err
    assert '"metadata.name" is not valid' in err and "Not A Valid Name!" in err
    client = _client(backstage)
    with pytest.raises(CatalogError) as raised:
        client.add_location(str(bad), type="file", dry_run=True)
    assert raised.value.status == 400 and raised.value.name == "InputError"

    # the same defect in the repo's own file: our validation names file and line, Backstage is not asked
    (repo / "catalog-info.yaml").write_text(
        (repo / "catalog-info.yaml").read_text().replace("name: rejected-feature", "name: Not A Valid Name!")
    )
    code, _, err = _cli(repo, "catalog", "register", capsys=capsys)
    assert code == 2 and "catalog-info.yaml:4:" in err and "$.metadata.name" in err
    assert all("rejected-feature" not in loc["target"] for loc in client.locations())
    client.close()


def test_bad_token_is_401_with_backstages_message_and_the_token_never_printed(
    tmp_path: Path,
    backstage: backstage_server.BackstageServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = _repo(tmp_path, "token-feature")
    wrong = "wrong-token-" + backstage.token[:8] + "-zz"
    monkeypatch.setenv("BACKSTAGE_URL", backstage.url)
    monkeypatch.setenv("BACKSTAGE_TOKEN", wrong)
    code, out, err = _cli(repo, "catalog", "register", capsys=capsys)
    assert code == 2
    assert "HTTP 401 AuthenticationError: Illegal token" in err and "BACKSTAGE_TOKEN" in err
    assert wrong not in out + err and backstage.token not in out + err
    monkeypatch.delenv("BACKSTAGE_TOKEN")
    code, _, err = _cli(repo, "catalog", "status", capsys=capsys)
    assert code == 2 and "Missing credentials" in err


def test_server_down_is_a_clear_error_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _repo(tmp_path, "offline-feature")
    port = backstage_server._free_port()  # nothing listens there
    monkeypatch.setenv("BACKSTAGE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("BACKSTAGE_TOKEN", "a-token-that-must-not-show")
    for command in (["register"], ["status"], ["unregister"]):
        code, out, err = _cli(repo, "catalog", *command, capsys=capsys)
        assert code == 1, (command, err)
        assert f"cannot reach Backstage at http://127.0.0.1:{port} (set in $BACKSTAGE_URL)" in err
        assert "Traceback" not in err and "a-token-that-must-not-show" not in out + err


def test_no_catalog_configured_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = _repo(tmp_path, "unconfigured-feature")
    code, _, err = _cli(repo, "catalog", "status", capsys=capsys)
    assert code == 2 and "no Backstage URL configured: set $BACKSTAGE_URL" in err


def test_the_shipped_software_template_is_accepted_as_a_template_entity(
    backstage: backstage_server.BackstageServer,
) -> None:
    template = templates_dir() / "ai-feature" / "backstage-template.yaml"
    client = _client(backstage)
    preview = client.add_location(str(template), type="file", dry_run=True)
    kinds = {(e["kind"], e["metadata"]["name"]) for e in preview["entities"]}
    assert ("Template", "ai-feature") in kinds
    created = client.add_location(str(template), type="file")
    try:
        entity = _poll("the Template entity", lambda: client.entity("template", "default", "ai-feature"))
        assert entity["apiVersion"] == "scaffolder.backstage.io/v1beta3"
        assert entity["spec"]["parameters"][0]["title"] == "The feature"
        assert entity["spec"]["steps"][0]["action"] == "fetch:template"
    finally:
        client.delete_location(created["location"]["id"])
        client.close()


def test_the_catalog_registered_rule_asks_the_configured_catalog(
    tmp_path: Path, backstage: backstage_server.BackstageServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from platform_cli.readiness.check import check_repo

    repo = _repo(tmp_path, "gold-feature")

    def finding() -> tuple[str, str]:
        report = check_repo(repo)
        found = next(f for f in report.findings if f.rule.id == "catalog-registered")
        return found.status, found.messages[0]

    assert finding()[0] == "pass"  # no catalog configured: the file alone is judged
    monkeypatch.setenv("BACKSTAGE_URL", backstage.url)
    monkeypatch.setenv("BACKSTAGE_TOKEN", backstage.token)
    status, message = finding()
    assert status == "fail" and "not in the catalog" in message and "platform catalog register" in message
    client = _client(backstage)
    created = client.add_location(str(repo / "catalog-info.yaml"), type="file")
    _poll("ingestion", lambda: client.entity("component", "default", "gold-feature"))
    status, message = finding()
    assert status == "pass" and f"{backstage.url} serves it" in message
    client.delete_location(created["location"]["id"])
    monkeypatch.setenv("BACKSTAGE_TOKEN", "not-the-token")
    status, message = finding()
    assert status == "fail" and "cannot ask Backstage" in message and "401" in message
    client.close()


@pytest.mark.usefixtures("catalog_env")
def test_scan_takes_the_orgs_features_from_the_catalog(
    tmp_path: Path, backstage: backstage_server.BackstageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    local = _repo(tmp_path / "registered-here", "scan-local")  # registered from its own checkout
    checkouts = tmp_path / "checkouts"
    elsewhere = _repo(checkouts, "scan-elsewhere")  # registered from a copy; its checkout is below DIRS
    gone = _repo(tmp_path / "gone", "scan-gone")  # registered from a copy; no checkout anywhere
    copies = tmp_path / "catalog-copies"
    for repo in (elsewhere, gone):
        (copies / repo.name).mkdir(parents=True)
        shutil.copy(repo / "catalog-info.yaml", copies / repo.name / "catalog-info.yaml")
    shutil.rmtree(gone)
    other = tmp_path / "not-a-feature" / "catalog-info.yaml"  # a plain Component: not an AI feature
    other.parent.mkdir()
    other.write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: scan-plain-service\n"
        "spec:\n  type: service\n  lifecycle: production\n  owner: team-x\n"
    )
    client = _client(backstage)
    targets = [
        local / "catalog-info.yaml",
        *(copies / n / "catalog-info.yaml" for n in ("scan-elsewhere", "scan-gone")),
    ]
    created = [client.add_location(str(t), type="file")["location"]["id"] for t in [*targets, other]]
    try:
        for name in ("scan-local", "scan-elsewhere", "scan-gone", "scan-plain-service"):
            _poll(f"{name} ingested", lambda n=name: client.entity("component", "default", n))
        code = run(
            ["readiness", "scan", "--from-catalog", str(checkouts), "--format", "json", "--workers", "1"]
        )
        out = capsys.readouterr().out
        assert code == 1  # one feature could not be checked
        card = json.loads(out)
        by_feature = {r["feature"]: r for r in card["repos"] if r["feature"]}
        assert Path(by_feature["scan-local"]["path"]).resolve() == local.resolve()
        assert Path(by_feature["scan-elsewhere"]["path"]).resolve() == elsewhere.resolve()
        assert by_feature["scan-local"]["reached"] == "bronze" and by_feature["scan-local"]["error"] is None
        errors = {r["path"]: r["error"] for r in card["repos"] if r["error"]}
        assert "component:default/scan-gone" in errors
        assert (
            f"named 'scan-gone' was found below {checkouts}: clone it there"
            in errors["component:default/scan-gone"]
        )
        listed = json.dumps(card)
        assert "scan-plain-service" not in listed  # not annotated platform.dev/manifest: not an AI feature
    finally:
        for location_id in created:
            client.delete_location(location_id)
        client.close()


def test_backstage_rejects_every_entity_our_validator_rejects(
    tmp_path: Path, backstage: backstage_server.BackstageServer
) -> None:
    """Our rules are Backstage's: the real catalog's dry run accepts the valid file and refuses each defect
    (except `kind`, where we are stricter on purpose: an AI feature is registered as a Component)."""
    from test_entity import DEFECTS, VALID

    client = _client(backstage)
    path = tmp_path / "catalog-info.yaml"
    path.write_text(VALID)
    assert client.add_location(str(path), type="file", dry_run=True)["entities"]
    for old, new, _ in DEFECTS:
        if old == "kind: Component":
            continue
        path.write_text(VALID.replace(old, new))
        with pytest.raises(CatalogError) as raised:
            client.add_location(str(path), type="file", dry_run=True)
        assert raised.value.status == 400, (new, str(raised.value))
    client.close()
