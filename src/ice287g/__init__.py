"""ice287g: ICE's 287(g) agreements, detention statistics and Census geography, rebuilt from raw files."""
from .build import pipeline, stages

__all__ = ["setup_notebook"]
__version__ = "0.1.0"


def setup_notebook(name: str) -> None:
    """First call of every notebook: record the files its kernel reads (``stages.record_opens``), then
    name it and apply the house style (``pipeline.setup_notebook``)."""
    stages.record_opens(name)
    pipeline.setup_notebook(name)
