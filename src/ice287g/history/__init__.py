"""Agreements over time: identity, corrections, roster matching, history, list QA, the as-of query API, changes."""
