"""The output contract: every table's schema, the writers that hold each table to it (atomic, deterministic),
the QA checks and summary, and the one stage commit (gate, write, record) every stage calls."""
