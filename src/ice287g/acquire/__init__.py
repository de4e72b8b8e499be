"""Keeping the archive current: fetching, updating, landing, the landing lock, quarantine, freshness."""
