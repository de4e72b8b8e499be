"""The output contract: every table's schema, the writers that hold each table to it (atomic, deterministic),
and the QA summary every stage's gate writes."""
