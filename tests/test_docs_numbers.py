"""No number in the README or the history notebook is typed by hand: the README's numbers come from
the processed tables at build time (its at-a-glance block), and the history's text is computed."""
from __future__ import annotations

import ast
import io
import re
import tokenize

import jupytext
import pytest

from ice287g.build import readme

from .conftest import REAL_ROOT

# Numbers that name things rather than report results, and why each may be typed.
NAMES = {
    "287": "section 287(g) of the Immigration and Nationality Act",
    "3.11": "the oldest Python version the project supports",
    "3.12": "a Python version the project supports",
    "3.13": "the newest Python version the project supports",
    "2024": "the vintage of the Census files (2024 boundaries, Vintage 2024 estimates)",
    "2010": "the vintage of the Census places file",
    "2020": "the vintage of the Census places in the Geocorr place-to-county crosswalk (2020 Census places)",
    "1:20": "the scale of the Census cartographic boundaries (1:20m)",
    "105": "17 U.S.C. §105, the public-domain clause for U.S. government works",
    "17": "17 U.S.C. §105",
    "5070": "EPSG:5070, the map projection",
    "2015": "the vintage of ICE's older facility list (data/raw/ice_facilities)",
    "2017": "the vintage of ICE's newer facility list (data/raw/ice_facilities)",
}
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.:,]\d+)*")


def prose(markdown: str, generated_block: bool = True) -> str:
    """Markdown without code blocks, inline code, HTML comments, link targets, list markers and (in
    the README) the generated block."""
    text = readme.replace_block(markdown, "") if generated_block else markdown
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"(?m)^\s*\d+\.\s", " ", text)  # ordered-list markers
    return re.sub(r"\]\([^)]*\)", "]", text)


def test_readme_numbers_are_generated_from_the_processed_tables():
    text = (REAL_ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.readme_block(readme.readme_tables())
    assert block in text, "README.md's at-a-glance block is stale: run `python -m ice287g readme`"
    assert re.search(r"\*\*2,127\*\* agreements \(1,843 active, 83 superseded", block)  # the real history, recomputed
    assert "and 42 rows of the earliest lists, which print no model, kept apart" in block
    typed = sorted({n for n in NUMBER.findall(prose(text)) if n not in NAMES})
    assert not typed, f"numbers typed by hand in README.md outside the generated block: {typed}"


def test_the_prose_check_catches_a_typed_number():
    readme = (REAL_ROOT / "README.md").read_text(encoding="utf-8")
    doctored = readme.replace("## Two commands", "ICE lists 1,843 agreements.\n\n## Two commands")
    assert "1,843" in NUMBER.findall(prose(doctored))


# ---- notebooks and src/: no typed result in prose, comments, docstrings or displayed strings ----------

# Numbers that name things or state conventions, never results: a pattern around the number, and why.
ALLOWED = {
    r"287\(g\)": "section 287(g) of the Immigration and Nationality Act",
    r"(?i:\bEO \d+|executive orders? \d+(?:,? (?:and )?\d+)*)": "executive order numbers are names",
    r"EPSG:\d+": "map projection codes",
    r"\b1:(?:5|20)m\b": "the scale of the Census cartographic boundary files",
    r"(?i:SHA-256|\b64 hex(?:adecimal)? (?:digits|characters))": "the checksum's name and length",
    r"per 100,000": "the unit of a rate",
    r"(?i:(?:Census|Vintage|cb_) ?20(?:10|20|24)\b|\b20(?:10|20|24)(?:'s)? (?:Census|county|counties|boundaries|geography|"
    r"estimates?|cartographic|population|regions|places?|crosswalks?)|July 1, 2024|population_2024|\(2024 boundaries\))":
        "the vintages of the Census inputs the project reads (a choice of input, not a result)",
    r"\b20(?:17|18) (?:API |front-end )?(?:list|roster)s?\b|\bfbi_20(?:17|18)\b|\b(?:lists?|rosters?) of 2017 and 2018\b":
        "the vintages of the FBI agency rosters the project reads (a choice of input, not a result)",
    r"\blists?\s+of\s+2015\s+and\s+2017\b|\b20(?:15|17)(?:\s+and\s+2017)?\s+(?:facility\s+)?lists?\b":
        "the vintages of ICE's facility lists the project reads (a choice of input, not a result)",
    r"\bKentucky Constitution section \d+|\bKRS \d+\.\d+": "citations of a constitution and statutes are names",
    r"\(header = row 1\)|\brow 1\b|\b0-based\b|\(0[–-]1\)|0 -> A, 26 -> AA": "spreadsheet and share conventions",
    r"^#{1,2} 0\d ·|\b0\d_[a-z]\w*|`0\d`|\(`0\d`\)": "notebook numbers",
    r"(?i:utf-8)": "an encoding's name",
    r"17 U\.S\.C\. §105": "the public-domain clause",
    r"\bPython 3\.\d+": "the Python version",
    r"(?<![\w.,])\d(?![\w]|[.,]\d|\s*%|\s*percent)": "a single digit (row 1, notebooks[0], a default of 2) counts "
                                                  "nothing; a share (2 %) still counts",
    r"\b50 states\b": "the number of states is a name of the country's parts",
    r"100 ×|× 100(?:,000)?\b": "a unit conversion in a formula",
    r"\b30 September\b|\bsep30\b": "the last day of the federal fiscal year, a definition",
    r"\bRFC \d+\b": "an Internet standard's number is its name",
    r"http://www\.w3\.org/2005/Atom|<\?xml version=\"1\.0\"": "the Atom namespace and the XML version are names",
    r"\btag:[\w.]+,\d{4}:": "a tag: URI's date is part of the name its tagging entity mints (RFC 4151)",
    r"http://schemas\.openxmlformats\.org/\S+|\bECMA-\d+": "the Office Open XML standard and its namespaces are names",
}
ALLOWED_RE = re.compile("|".join(f"(?:{p})" for p in ALLOWED), re.MULTILINE)
# A result: a count, a share, a year or a date typed into text (thousands separators and decimals included).
RESULT = re.compile(r"(?<![\w.])\d{4}-\d{2}(?:-\d{2})?(?!\w)|(?<![\w.])\d+(?:[.,]\d+)*(?!\w)")
PROSE = re.compile(r"[A-Za-z]{2,}[\s,;:)]+\S")  # a string with words in it is shown to a reader


def typed_numbers(text: str) -> list[str]:
    """Numbers in ``text`` once names, conventions and format fields (``{...}``) are taken out."""
    text = re.sub(r"\{[^{}]*\}", " ", text)
    return RESULT.findall(ALLOWED_RE.sub(" ", text))


def code_texts(source: str) -> list[tuple[int, str]]:
    """What a reader sees of Python code: comments, docstrings and every string literal with words in it
    (f-strings by their fixed parts). Numbers in the code itself (parameters, thresholds, sizes) and
    word-less strings (a date or year selecting data, a column name, a format) are not text."""
    out = [(t.start[0], t.string) for t in tokenize.generate_tokens(io.StringIO(source).readline)
           if t.type == tokenize.COMMENT and not t.string.startswith("#!")]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and PROSE.search(node.value):
            out.append((node.lineno, node.value))
    return out


def notebook_texts(path) -> list[tuple[str, str]]:
    nb = jupytext.read(path)
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            text = re.sub(r"(?m)^(?: {4}|\t).*$", " ", cell.source)  # indented code blocks
            out.append((f"cell {i} (markdown)", prose(text, generated_block=False)))
        elif cell.cell_type == "code":
            out += [(f"cell {i}, line {n}", t) for n, t in code_texts(cell.source)]
    return out


def findings(texts: list[tuple[str, str]]) -> list[str]:
    return [f"{where}: {n!r} in {' '.join(t.split())[:90]!r}" for where, t in texts for n in typed_numbers(t)]


NOTEBOOKS = sorted((REAL_ROOT / "notebooks").glob("*.py"))
MODULES = sorted((REAL_ROOT / "src" / "ice287g").rglob("*.py"))


def test_the_scan_covers_every_notebook_and_module():
    names = {p.name for p in NOTEBOOKS}
    assert {"00_program_history.py", "01_agreement_history.py", "state_report.py", "04_detention.py"} <= names
    assert {"agreements.py", "geography.py", "detention.py"} <= {p.name for p in MODULES}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_types_no_result(path):
    found = findings(notebook_texts(path))
    assert not found, f"numbers typed by hand in notebooks/{path.name}:\n" + "\n".join(found)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_module_types_no_result(path):
    found = findings([(f"line {n}", t) for n, t in code_texts(path.read_text(encoding="utf-8"))])
    assert not found, f"numbers typed by hand in src/ice287g/{path.name}:\n" + "\n".join(found)


def test_the_scan_catches_typed_results_and_passes_names():
    code = (
        'alt_text = f"From {a} to {b} the program holds well under 200 agreements"\n'
        '# flat near 140 until 2025, then climbing past 1,800\n'
        'def f():\n    """About 15 % of removals are renames."""\n'
        'cut = lines[lines["list_date"] >= "2011-01-01"]  # selects data: not text\n'
        'size = (12, 5)\n'
        'label = "No ICE 287(g) list exists from Aug 2017 to Jan 2021"\n'
    )
    found = [n for _, t in code_texts(code) for n in typed_numbers(t)]
    assert found == ["140", "2025", "1,800", "200", "15", "2017", "2021"] or sorted(found) == sorted(
        ["200", "140", "2025", "1,800", "15", "2017", "2021"])
    assert typed_numbers("the share rose to 49.6 % on 2026-05-18") == ["49.6", "2026-05-18"]
    names = ("287(g) agreements per 100,000 residents; EPSG:5070; Census 2010 places in 2024 counties; "
             "EO 14159; header = row 1; see `04` and 03_maps; {n:,} agreements; {share:.1%}")
    assert typed_numbers(names) == []
    cells = notebook_texts(REAL_ROOT / "notebooks" / "00_program_history.py")
    assert any("cell" in w for w, _ in cells)
    doctored = "# %% [markdown]\n# The program held 135 agreements in 2024.\n"
    tmp = jupytext.reads(doctored, fmt="py:percent")
    assert [n for c in tmp.cells for n in typed_numbers(prose(c.source, False))] == ["135", "2024"]
