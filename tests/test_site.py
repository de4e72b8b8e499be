"""publish.site: where each project file sits in the site, the links between them, and `make site`'s copy."""
from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from ice287g.core import paths
from ice287g.publish import site


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    """A throwaway project holding what `make reports` and `make release` leave, and a parameter run."""
    root = tmp_path / "project"
    files = {
        "reports/index.html": "front", "reports/agencies.html": "search", "reports/states/TX.html": "texas",
        "reports/states/TX.ipynb": "{}", "reports/states/TX/figures/x.png": "state figure",
        "reports/states_2023-06-30/TX.html": "an earlier date", "reports/index_2023-06-30.html": "earlier front",
        "reports/notebooks/03_maps.html": "maps page", "reports/failed/03_maps.ipynb": "{}",
        "notebooks/03_maps.ipynb": "{}", "notebooks/03_maps.py": "code", "figures/county_map.png": "png",
        "figures/county_map.svg": "svg", "figures/county_map.csv": "a,b", "figures/README.md": "gallery",
        "data/processed/lists.csv": "list_id", "data/raw/ice_287g/x.xlsx": "raw", "docs/codebook.md": "codebook",
        "docs/architecture.md": "architecture", "dist/ice287g-data-2026-05-18.zip": "zip",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    monkeypatch.setenv("ICE287G_ROOT", str(root))
    monkeypatch.delenv("ICE287G_OUTPUT_ROOT", raising=False)
    assert paths.project_root() == root.resolve()
    return root


RELEASE = "dist/ice287g-data-2026-05-18.zip"


def test_reports_is_the_top_of_the_site_and_every_other_file_keeps_its_path(root):
    assert site.site_path(root / "reports/notebooks/03_maps.html") == PurePosixPath("notebooks/03_maps.html")
    assert site.site_path(root / "reports") == PurePosixPath(".")
    assert site.site_path(root / "figures/county_map.png") == PurePosixPath("figures/county_map.png")
    assert site.site_href(root / "notebooks/03_maps.py", root / "reports/notebooks") == "03_maps.py"
    assert site.site_href(root / "notebooks/state_report.py", root / "reports/states") == "../notebooks/state_report.py"
    assert site.site_href(root / "reports/states/TX.ipynb", root / "reports/states") == "TX.ipynb"
    assert site.site_prefix(root, root / "reports") == ""
    assert site.site_prefix(root / "figures", root / "reports/states") == "../figures/"
    with pytest.raises(ValueError, match="outside the project"):
        site.site_path(root.parent / "elsewhere.html")


def test_the_site_holds_the_newest_pages_and_what_they_link(root):
    calls = []

    def extra(folder: Path) -> list[Path]:
        calls.append(folder)
        feed = folder / "feeds" / "changes.xml"
        feed.parent.mkdir()
        feed.write_text("feed", encoding="utf-8")
        return [feed]

    written = site.build_site(root / RELEASE, extras=(extra,))
    out = paths.site_dir()
    got = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert got == sorted(p.relative_to(out).as_posix() for p in written) == [
        "agencies.html", "data/processed/lists.csv", "dist/ice287g-data-2026-05-18.zip", "docs/codebook.md",
        "feeds/changes.xml", "figures/README.md", "figures/county_map.csv", "figures/county_map.png",
        "figures/county_map.svg", "index.html", "notebooks/03_maps.html", "notebooks/03_maps.ipynb",
        "notebooks/03_maps.py", "states/TX.html", "states/TX.ipynb"]
    assert (out / "index.html").read_text(encoding="utf-8") == "front"
    # the extras write into the site being assembled, not the published one
    assert calls == [out.with_name(".site.tmp")] and not calls[0].exists()


def test_a_failed_build_leaves_the_previous_site(root):
    site.build_site(root / RELEASE, extras=())
    (root / RELEASE).unlink()
    with pytest.raises(FileNotFoundError, match="make release"):
        site.build_site(root / RELEASE, extras=())

    def broken(folder: Path) -> list[Path]:
        raise RuntimeError("an extra failed")

    (root / RELEASE).write_text("zip", encoding="utf-8")
    with pytest.raises(RuntimeError):
        site.build_site(root / RELEASE, extras=(broken,))
    assert (paths.site_dir() / "index.html").read_text(encoding="utf-8") == "front"
    (root / "reports/index.html").unlink()
    with pytest.raises(FileNotFoundError, match="make reports"):
        site.build_site(root / RELEASE, extras=())
