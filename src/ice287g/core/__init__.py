"""Definitions and helpers every layer uses: paths, vocabulary, cell text, name keys, messages, hand tables and their fixes, states."""
