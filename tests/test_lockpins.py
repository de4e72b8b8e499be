from ice287g.build import lockpins

from .conftest import REAL_ROOT


def test_environment_yml_pins_equal_the_lock():
    lock = lockpins.lock_pins(REAL_ROOT)
    env = lockpins.environment_pins(REAL_ROOT)
    assert env, "environment.yml lists no pins"
    assert {name: lock.get(name) for name in env} == env


def test_every_direct_dependency_is_pinned_in_both():
    env = lockpins.environment_pins(REAL_ROOT)
    lock = lockpins.lock_pins(REAL_ROOT)
    for dep in lockpins.direct_dependencies(REAL_ROOT):
        assert dep in env and dep in lock, dep


def test_environment_yml_is_what_the_generator_writes():
    assert (REAL_ROOT / "environment.yml").read_text() == lockpins.environment_yml(REAL_ROOT)


def test_lock_pins_every_installed_distribution():
    from importlib import metadata

    lock = lockpins.lock_pins(REAL_ROOT)
    for dist in ("pandas", "papermill", "geopandas", "python-calamine", "matplotlib"):
        assert lock[dist] == metadata.version(dist), dist


# Python versions the project supports, by the releases seen in the wild: a distribution's early patch
# release of the oldest minor version, and the newest of each.
SUPPORTED = ("3.11.2", "3.11.7", "3.12.1", "3.13.0")


def test_requirements_txt_is_the_pip_export_of_uv_lock():
    import os
    import subprocess
    import sys
    from pathlib import Path

    uv = Path(sys.executable).with_name("uv")
    exported = subprocess.run([str(uv), "export", "--frozen", "--no-hashes", "--no-emit-project", "--all-groups",
                               "--format", "requirements-txt", "--quiet"], cwd=REAL_ROOT, capture_output=True,
                              text=True, check=True, env={**os.environ, "UV_OFFLINE": "1"}).stdout  # tests stay off the network
    committed = (REAL_ROOT / "requirements.txt").read_text().split("\n", 1)[1]
    assert committed == exported, "requirements.txt is not uv.lock's export: run `make lock`"


def test_the_lock_differs_by_python_version_only_where_it_says_why():
    differences = lockpins.version_differences(SUPPORTED, REAL_ROOT)
    assert set(differences) == set(lockpins.PER_VERSION), differences
    # the project's own direct dependencies are the same everywhere
    assert not set(differences) & set(lockpins.direct_dependencies(REAL_ROOT))


def test_version_differences_sees_a_package_one_version_lacks(tmp_path):
    (tmp_path / "requirements.txt").write_text("# header\npandas==3.1.1\naiohttp==3.14.5 ; python_full_version == '3.12.*'\n"
                                               "colorama==0.4.6 ; sys_platform == 'win32'\n")
    assert lockpins.version_differences(("3.11.7", "3.12.1"), tmp_path) == {
        "aiohttp": {"3.11.7": None, "3.12.1": "3.14.5"}}


def test_the_makefile_refuses_what_requires_python_refuses():
    import re

    floor = re.fullmatch(r">=(\d+)\.(\d+)", lockpins.requires_python(REAL_ROOT))
    makefile = (REAL_ROOT / "Makefile").read_text()
    assert f"sys.version_info < ({floor.group(1)}, {floor.group(2)})" in makefile


def test_the_slow_importing_rfc3987_syntax_is_installed_on_no_python():
    # jsonschema imports it, if present, in every process that imports nbformat (2.3 s of grammar
    # building each time); pyproject's [tool.uv] override keeps it, and lark, out of every install.
    for python in SUPPORTED:
        resolved = lockpins.resolved_for(python, REAL_ROOT)
        assert "rfc3987-syntax" not in resolved and "lark" not in resolved, python
    assert "jsonschema" in lockpins.resolved_for(SUPPORTED[-1], REAL_ROOT)
