"""Publishing: table schemas, writers, charts, site pages, state reports, the data release."""
