"""Analyses built on the history: news claims, the pending pipeline."""
