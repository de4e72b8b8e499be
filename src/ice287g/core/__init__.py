"""Definitions and helpers every layer uses: paths, vocabulary, text fixes, hand tables, states, messages, QA rows."""
