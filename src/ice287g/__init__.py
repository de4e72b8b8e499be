"""ice287g: ICE's 287(g) agreements, detention statistics and Census geography, rebuilt from raw files."""

__all__ = ["setup_notebook"]
__version__ = "0.1.0"


def setup_notebook(name: str) -> None:
    """First call of every notebook (``kernel.setup_notebook``): record the files its kernel reads, name it
    and apply the house style."""
    # Imported here, not at the top: the kernel module loads pandas and matplotlib, which a notebook needs
    # and `import ice287g` (the first step of every command and test) does not.
    from .build import kernel

    kernel.setup_notebook(name)
