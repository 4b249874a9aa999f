"""The `aws` backend: AWS Secrets Manager with its own staging labels (needs the `aws` extra: boto3).

Rotation follows Secrets Manager's own protocol: the pending value is a version labelled AWSPENDING whose
VersionId (ClientRequestToken) is derived from the rotation token, so a repeated put is recognised; finish
moves AWSCURRENT to it, and Secrets Manager moves AWSPREVIOUS to the old current by itself. Values are read
by explicit VersionStage only. Owner, rotation period, last rotation, grace period and the journal are tags
(`platform:*`); a version's age is its CreatedDate. Per AWS, the first version of an empty secret is labelled
AWSCURRENT automatically, so a first rotation whose test fails deletes the secret it created.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from platform_cli.errors import UserError
from platform_cli.secrets.faults import crash_point
from platform_cli.secrets.model import (
    Journal,
    RotationMeta,
    SecretState,
    SecretUnavailable,
    Serving,
    Stage,
    VersionInfo,
    iso,
    parse_iso,
    serving_from,
    utcnow,
)

LABELS: dict[Stage, str] = {"current": "AWSCURRENT", "pending": "AWSPENDING", "previous": "AWSPREVIOUS"}
TAG = "platform:"
_JOURNAL_TAGS = ("rotation", "rotation-step", "rotation-started", "rotation-initial", "rotation-created")
_TOKEN_NAMESPACE = uuid.UUID("6c1f3c2e-8a53-4d8e-9d0c-3b7a2f6e9b41")


def version_id(token: str) -> str:
    """The ClientRequestToken (VersionId) for a rotation token: the token itself when it is a UUID."""
    try:
        return str(uuid.UUID(token))
    except ValueError:
        return str(uuid.uuid5(_TOKEN_NAMESPACE, token))


class AwsBackend:
    """One secret in AWS Secrets Manager."""

    kind = "aws"

    def __init__(self, name: str, secret_id: str, client: Any, *, region: str) -> None:
        self.name = name
        self.secret_id = secret_id
        self.location = f"secretsmanager {region} {secret_id}"
        self._client = client

    @classmethod
    def from_env(cls, name: str, secret_id: str, env: Mapping[str, str]) -> AwsBackend:
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise UserError(
                f"secret {name} is in aws, which needs boto3: pip install 'platform-cli[aws]'"
            ) from None
        credentials = {
            "aws_access_key_id": env.get("AWS_ACCESS_KEY_ID"),
            "aws_secret_access_key": env.get("AWS_SECRET_ACCESS_KEY"),
            "aws_session_token": env.get("AWS_SESSION_TOKEN"),
            "profile_name": env.get("AWS_PROFILE"),
        }
        session = boto3.session.Session(**{k: v for k, v in credentials.items() if v})
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or session.region_name
        if not region:
            # checked before any call, so nothing reaches for instance metadata without a configured region
            raise SecretUnavailable(
                f"secret {name} is in aws but no AWS region is set (export AWS_REGION=...)"
            )
        endpoint = env.get("AWS_ENDPOINT_URL_SECRETS_MANAGER") or env.get("AWS_ENDPOINT_URL") or None
        config = Config(connect_timeout=3, read_timeout=15, retries={"max_attempts": 3, "mode": "standard"})
        client = session.client("secretsmanager", region_name=region, endpoint_url=endpoint, config=config)
        return cls(name, secret_id, client, region=region)

    # --- calls ----------------------------------------------------------------------------------------
    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any] | None:
        """The response, None for ResourceNotFoundException; every other failure is SecretUnavailable."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response: dict[str, Any] = getattr(self._client, operation)(SecretId=self.secret_id, **kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "ResourceNotFoundException":
                return None
            if code in ("AccessDeniedException", "UnrecognizedClientException", "ExpiredTokenException"):
                raise SecretUnavailable(
                    f"aws: {operation} on {self.secret_id} was denied ({code}); check the credentials and "
                    "that their policy allows secretsmanager:* on this secret"
                ) from None
            raise SecretUnavailable(f"aws: {operation} on {self.secret_id} failed ({code})") from None
        except BotoCoreError as exc:
            raise SecretUnavailable(f"aws secrets manager is unreachable ({type(exc).__name__})") from None
        return response

    def _describe(self) -> tuple[dict[str, list[str]], dict[str, str]] | None:
        described = self._call("describe_secret")
        if described is None:
            return None
        stages = {str(k): list(v) for k, v in (described.get("VersionIdsToStages") or {}).items()}
        tags = {
            str(t["Key"])[len(TAG) :]: str(t["Value"])
            for t in described.get("Tags") or []
            if t["Key"].startswith(TAG)
        }
        return stages, tags

    def _tag(self, values: dict[str, str]) -> None:
        self._call("tag_resource", Tags=[{"Key": TAG + k, "Value": v} for k, v in values.items()])

    def _untag(self, keys: tuple[str, ...]) -> None:
        self._call("untag_resource", TagKeys=[TAG + k for k in keys])

    def _check(self, tags: dict[str, str], token: str) -> None:
        if tags.get("rotation") != token:
            raise UserError(f"aws {self.secret_id}: rotation {token} of {self.name} is not in progress")

    @staticmethod
    def _holding(stages: dict[str, list[str]], label: str) -> str | None:
        return next((vid for vid, labels in stages.items() if label in labels), None)

    # --- SecretBackend --------------------------------------------------------------------------------
    def describe(self) -> SecretState:
        found = self._describe()
        if found is None:
            return SecretState(exists=False)
        stages, tags = found
        created: dict[str, dt.datetime | None] = {}
        listed = self._call("list_secret_version_ids", IncludeDeprecated=False) or {}
        for version in listed.get("Versions") or []:
            created[str(version["VersionId"])] = version.get("CreatedDate")

        def info(label: str) -> VersionInfo | None:
            vid = self._holding(stages, label)
            return None if vid is None else VersionInfo(vid, created.get(vid))

        current, pending = info("AWSCURRENT"), info("AWSPENDING")
        journal = None
        if tags.get("rotation"):
            journal = Journal(
                token=tags["rotation"],
                step=tags.get("rotation-step", "started"),
                started=parse_iso(tags.get("rotation-started")),
                initial=tags.get("rotation-initial") == "true",
            )
        if journal and journal.initial and current and pending and current.id == pending.id:
            current = None  # AWS labels a first version current at once; it is not current until finish
        days = tags.get("rotation-days", "")
        return SecretState(
            exists=current is not None,
            current=current,
            previous=info("AWSPREVIOUS"),
            pending=pending,
            owner=tags.get("owner"),
            rotation_days=int(days) if days.isdigit() else None,
            current_created=current.created if current else None,
            last_rotated=parse_iso(tags.get("last-rotated")),
            grace_until=parse_iso(tags.get("grace-until")),
            last_token=tags.get("last-rotation"),
            rolled_back=parse_iso(tags.get("rolled-back-at")),
            journal=journal,
        )

    def serving(self) -> Serving:
        return serving_from(self)

    def read(self, stage: Stage) -> str | None:
        response = self._call("get_secret_value", VersionStage=LABELS[stage])
        value = None if response is None else response.get("SecretString")
        return None if value is None else str(value)

    def begin(self, token: str, meta: RotationMeta, *, initial: bool) -> None:
        tags = {
            "managed-by": "platform-cli",
            "rotation": token,
            "rotation-step": "started",
            "rotation-started": iso(utcnow()) or "",
            "rotation-initial": "true" if initial else "false",
        }
        if meta.owner:
            tags["owner"] = meta.owner
        if meta.rotation_days:
            tags["rotation-days"] = str(meta.rotation_days)
        found = self._describe()
        if found is None:
            tags["rotation-created"] = "true"
            self._client_create(tags)
            return
        stray = self._holding(found[0], "AWSPENDING")
        if stray is not None:  # left by no journal: never reuse it
            self._call("update_secret_version_stage", VersionStage="AWSPENDING", RemoveFromVersionId=stray)
        self._tag(tags)

    def _client_create(self, tags: dict[str, str]) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.create_secret(
                Name=self.secret_id,
                Description=f"{self.name} (rotated by platform-cli)",
                Tags=[{"Key": TAG + k, "Value": v} for k, v in tags.items()],
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            raise SecretUnavailable(f"aws: cannot create secret {self.secret_id} ({code})") from None
        except BotoCoreError as exc:
            raise SecretUnavailable(f"aws secrets manager is unreachable ({type(exc).__name__})") from None

    def put_pending(self, token: str, value: str) -> None:
        found = self._describe()
        stages, tags = found if found else ({}, {})
        self._check(tags, token)
        vid = version_id(token)
        if vid in stages:
            if "AWSPENDING" in stages[vid]:
                return  # stored before a crash
            raise UserError(
                f"aws {self.secret_id}: rotation token {token} was already used; rotate with a new one"
            )
        self._call(
            "put_secret_value", ClientRequestToken=vid, SecretString=value, VersionStages=["AWSPENDING"]
        )

    def mark(self, token: str, step: str) -> None:
        found = self._describe()
        self._check(found[1] if found else {}, token)
        self._tag({"rotation-step": step})

    def promote(self, token: str, grace_until: dt.datetime, now: dt.datetime) -> None:
        found = self._describe()
        stages, tags = found if found else ({}, {})
        self._check(tags, token)
        vid = version_id(token)
        current = self._holding(stages, "AWSCURRENT")
        if current != vid:
            moves: dict[str, Any] = {"VersionStage": "AWSCURRENT", "MoveToVersionId": vid}
            if current:
                moves["RemoveFromVersionId"] = current
            self._call("update_secret_version_stage", **moves)
            crash_point("promote")
        if "AWSPENDING" in stages.get(vid, []):
            self._call("update_secret_version_stage", VersionStage="AWSPENDING", RemoveFromVersionId=vid)
        done = {"last-rotated": iso(now) or "", "last-rotation": token}
        if tags.get("rotation-initial") != "true":
            done["grace-until"] = iso(grace_until) or ""
        self._tag(done)
        self._untag((*_JOURNAL_TAGS, "rolled-back-at"))

    def discard(self, token: str) -> None:
        found = self._describe()
        stages, tags = found if found else ({}, {})
        self._check(tags, token)
        if tags.get("rotation-created") == "true":
            # created by this rotation; AWS labelled the untested value AWSCURRENT, so remove it all
            self._call("delete_secret", ForceDeleteWithoutRecovery=True)
            return
        vid = version_id(token)
        if "AWSPENDING" in stages.get(vid, []):
            self._call("update_secret_version_stage", VersionStage="AWSPENDING", RemoveFromVersionId=vid)
        self._untag(_JOURNAL_TAGS)

    def rollback(self, now: dt.datetime) -> None:
        found = self._describe()
        stages = found[0] if found else {}
        previous = self._holding(stages, "AWSPREVIOUS")
        current = self._holding(stages, "AWSCURRENT")
        if previous is None or current is None:
            raise UserError(f"aws {self.secret_id}: {self.name} has no previous version to roll back to")
        self._call(
            "update_secret_version_stage",
            VersionStage="AWSCURRENT",
            MoveToVersionId=previous,
            RemoveFromVersionId=current,
        )
        # the rolled-back key is not served as a fallback, and a second rollback must not restore it
        self._tag({"grace-until": iso(now) or "", "rolled-back-at": iso(now) or ""})
