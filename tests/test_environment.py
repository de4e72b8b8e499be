from ice287g import environment

from .conftest import REAL_ROOT


def test_environment_yml_pins_equal_the_lock():
    lock = environment.lock_pins(REAL_ROOT)
    env = environment.environment_pins(REAL_ROOT)
    assert env, "environment.yml lists no pins"
    assert {name: lock.get(name) for name in env} == env


def test_every_direct_dependency_is_pinned_in_both():
    env = environment.environment_pins(REAL_ROOT)
    lock = environment.lock_pins(REAL_ROOT)
    for dep in environment.direct_dependencies(REAL_ROOT):
        assert dep in env and dep in lock, dep


def test_environment_yml_is_what_the_generator_writes():
    assert (REAL_ROOT / "environment.yml").read_text() == environment.environment_yml(REAL_ROOT)


def test_lock_pins_every_installed_distribution():
    from importlib import metadata

    lock = environment.lock_pins(REAL_ROOT)
    for dist in ("pandas", "papermill", "geopandas", "python-calamine", "matplotlib"):
        assert lock[dist] == metadata.version(dist), dist
