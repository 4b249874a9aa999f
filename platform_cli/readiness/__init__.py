"""Readiness gate: collect facts about a feature repo, compare them with declarative rules, report levels."""
