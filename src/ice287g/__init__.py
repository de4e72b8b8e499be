"""ice287g: ICE's 287(g) agreements, detention statistics and Census geography, rebuilt from raw files."""
from .pipeline import setup_notebook

__all__ = ["setup_notebook"]
__version__ = "0.1.0"
