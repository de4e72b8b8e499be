"""No number in the README or the history notebook is typed by hand: the README's numbers come from
the processed tables at build time (its at-a-glance block), and the history's text is computed."""
from __future__ import annotations

import ast
import re

import jupytext

from ice287g import reports

from .conftest import REAL_ROOT

# Numbers that name things rather than report results, and why each may be typed.
NAMES = {
    "287": "section 287(g) of the Immigration and Nationality Act",
    "3.11": "the Python version the lock file is built for",
    "2024": "the vintage of the Census files (2024 boundaries, Vintage 2024 estimates)",
    "2010": "the vintage of the Census places file",
    "1:20": "the scale of the Census cartographic boundaries (1:20m)",
    "105": "17 U.S.C. §105, the public-domain clause for U.S. government works",
    "17": "17 U.S.C. §105",
    "5070": "EPSG:5070, the map projection",
}
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.:,]\d+)*")


def prose(markdown: str) -> str:
    """Markdown without code blocks, inline code, HTML comments, link targets, list markers and the
    generated block."""
    text = reports.replace_block(markdown, "")
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"(?m)^\s*\d+\.\s", " ", text)  # ordered-list markers
    return re.sub(r"\]\([^)]*\)", "]", text)


def test_readme_numbers_are_generated_from_the_processed_tables():
    readme = (REAL_ROOT / "README.md").read_text(encoding="utf-8")
    block = reports.readme_block(reports.readme_tables())
    assert block in readme, "README.md's at-a-glance block is stale: run `python -m ice287g readme`"
    assert re.search(r"\*\*2,278\*\* agreements", block)  # the real history, recomputed
    typed = sorted({n for n in NUMBER.findall(prose(readme)) if n not in NAMES})
    assert not typed, f"numbers typed by hand in README.md outside the generated block: {typed}"


def test_the_prose_check_catches_a_typed_number():
    readme = (REAL_ROOT / "README.md").read_text(encoding="utf-8")
    doctored = readme.replace("## Two commands", "ICE lists 1,843 agreements.\n\n## Two commands")
    assert "1,843" in NUMBER.findall(prose(doctored))


def _shown_literals(source: str) -> list[str]:
    """Literal text a code cell displays: the fixed parts of f-strings and strings passed to print/Markdown."""
    shown = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            shown += [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("print", "Markdown"):
            shown += [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return shown


def test_history_notebook_types_no_number():
    nb = jupytext.read(REAL_ROOT / "notebooks" / "00_program_history.py")
    allowed = set(NAMES) | {"00", "01", "03", "04"}  # notebook numbers in the introduction
    typed = []
    for cell in nb.cells:
        texts = [cell.source] if cell.cell_type == "markdown" else _shown_literals(cell.source)
        typed += [n for t in texts for n in NUMBER.findall(t) if n not in allowed]
    assert not typed, f"numbers typed by hand in 00_program_history: {typed}"
    assert _shown_literals('x = f"the {a} surge of 2025"') == ["the ", " surge of 2025"]
