"""What a drill does with the runtime: serve traffic through two Feature instances (as two replicas would),
then check that after the rollback they behave as propagation promises.

Offline always: the drill exercises the rollback machinery with this feature's prompts, store and history
policy, never a real provider (no cost, no keys).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from platform_cli.prompts.files import PromptFile
from platform_cli.runtime import Feature
from platform_cli.runtime.history import WITHDRAWN_ANSWER

DRILL_MARKER = "[rollback drill {drill_id}]"


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


@dataclass
class Traffic:
    """Who was served which version before the rollback."""

    prompt: str
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)  # user -> variables
    versions: dict[str, int] = field(default_factory=dict)  # user -> version served
    answers: dict[int, set[str]] = field(default_factory=dict)  # version -> answer texts
    conversations: dict[str, int] = field(default_factory=dict)  # conversation -> version
    chat_variables: dict[str, dict[str, Any]] = field(default_factory=dict)

    def users_on(self, version: int) -> list[str]:
        return [user for user, served in self.versions.items() if served == version]

    def conversations_on(self, version: int) -> list[str]:
        return [conv for conv, served in self.conversations.items() if served == version]


def sample_variables(prompt: PromptFile, index: int) -> dict[str, Any]:
    """Values for the prompt's declared variables (defaults kept), distinct per request."""
    values: dict[str, Any] = {}
    for name, var in prompt.variables.items():
        if var.has_default:
            continue
        if var.enum:
            values[name] = var.enum[index % len(var.enum)]
        else:
            values[name] = {
                "string": f"rollback drill request {index}", "integer": index, "number": float(index),
                "boolean": index % 2 == 0, "array": [], "object": {},
            }.get(var.type, f"rollback drill request {index}")  # fmt: skip
    return values


def serve(replicas: Sequence[Feature], prompt: PromptFile, users: int) -> Traffic:
    """`users` requests and `users // 2` two-message conversations, spread over the replicas."""
    traffic = Traffic(prompt.name)
    for index in range(users):
        user = f"drill-user-{index}"
        variables = sample_variables(prompt, index)
        first, second = replicas[index % len(replicas)], replicas[(index + 1) % len(replicas)]
        result = first.complete(prompt.name, variables, user=user)
        first.flush()
        second.complete(prompt.name, variables, user=user)  # a cache hit from the shared store
        traffic.requests[user], traffic.versions[user] = variables, result.prompt_version
        traffic.answers.setdefault(result.prompt_version, set()).add(result.text)
    for index in range(max(1, users // 2)):
        conversation = f"drill-conversation-{index}"
        variables = sample_variables(prompt, index)
        a, b = replicas[index % len(replicas)], replicas[(index + 1) % len(replicas)]
        opened = a.chat(conversation, "hello", prompt=prompt.name, variables=variables)
        answered = b.chat(conversation, "and then?", prompt=prompt.name, variables=variables)
        traffic.conversations[conversation] = opened.prompt_version
        traffic.chat_variables[conversation] = variables
        traffic.answers.setdefault(opened.prompt_version, set()).update((opened.text, answered.text))
    return traffic


def no_cached_bad_answers(replicas: Sequence[Feature], traffic: Traffic, bad: int, when: str) -> Check:
    """Every user of the bad version asks again, twice on each replica (the second ask would find an
    answer the replica queued itself, if a replica still resolving the old label made one)."""
    name = f"no_bad_cache_hits_{when.split()[0]}"
    served, stale = [], 0
    for user in traffic.users_on(bad):
        for replica in replicas:
            for _ in range(2):
                result = replica.complete(traffic.prompt, traffic.requests[user], user=user)
                stale += result.prompt_version == bad
                if result.cache_hit and result.prompt_version == bad:
                    served.append(user)
    detail = (
        f"{len(traffic.users_on(bad))} users of v{bad} asked twice on {len(replicas)} replicas {when} "
        f"({stale} answers still from v{bad}, fresh, as allowed within the TTL)"
    )
    if served:
        who = ", ".join(sorted(set(served))[:5])
        return Check(name, False, f"{detail}: v{bad} cached answers served to {who}")
    return Check(name, True, f"{detail}: no cached v{bad} answer")


def serves_target(
    replicas: Sequence[Feature], traffic: Traffic, target: int, bad: int, ttl_s: float,
    sleep: Callable[[float], None] = time.sleep,
) -> Check:  # fmt: skip
    """After the TTL every replica serves the target to every user that had the bad version."""
    sleep(ttl_s + 0.2)
    wrong = []
    users = traffic.users_on(bad) or list(traffic.versions)
    for user in users:
        for number, replica in enumerate(replicas):
            version = replica.complete(traffic.prompt, traffic.requests[user], user=user).prompt_version
            if version != target:
                wrong.append(f"{user}@replica{number}:v{version}")
    if wrong:
        return Check(
            "serves_target_within_ttl", False, f"after {ttl_s:g}s still served: {', '.join(wrong[:5])}"
        )
    detail = f"{len(users)} users on {len(replicas)} replicas got v{target} within the {ttl_s:g}s TTL"
    return Check("serves_target_within_ttl", True, detail)


def histories(replicas: Sequence[Feature], traffic: Traffic, bad: int, policy: str) -> Check:
    """Rebuilt histories follow the policy: quarantine drops the bad turns, summarize masks its answers."""
    bad_answers = traffic.answers.get(bad, set())
    problems, looked = [], 0
    for conversation in traffic.conversations_on(bad):
        for number, replica in enumerate(replicas):
            looked += 1
            contents = [m["content"] for m in replica.history(conversation)]
            leaked = [c for c in contents if c in bad_answers]
            masked = contents.count(WITHDRAWN_ANSWER)
            if policy == "flag" and not leaked:
                problems.append(f"{conversation}@replica{number}: flagged turns missing")
            if policy != "flag" and leaked:
                problems.append(f"{conversation}@replica{number}: {len(leaked)} v{bad} answer(s) still sent")
            if policy == "summarize" and not masked:
                problems.append(f"{conversation}@replica{number}: no placeholder for the withdrawn answers")
            if policy == "quarantine" and masked:
                problems.append(f"{conversation}@replica{number}: placeholder under quarantine")
    if not looked:
        return Check(
            "histories", False, f"no conversation reached v{bad}: the drill could not check histories"
        )
    if problems:
        return Check("histories", False, "; ".join(problems[:5]))
    return Check("histories", True, f"{looked} rebuilt histories follow '{policy}' for v{bad}'s turns")
