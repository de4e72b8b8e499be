"""The session's shared real objects (tests/conftest.py): built once, and a test that changes one fails."""
from __future__ import annotations

import copy
from dataclasses import dataclass

import pandas as pd

from .conftest import built_once, same, shared_changes


@dataclass
class Nested:  # the shape of a shared history: frames, a dict of frames, a plain dict
    rows: pd.DataFrame
    qa: dict[str, pd.DataFrame]
    mapping: dict[str, str]


def test_the_check_sees_a_changed_cell_label_or_dtype_deep_inside_a_dataclass(real_rosters, facility_lists):
    pristine = copy.deepcopy(Nested(real_rosters, {"lists": facility_lists}, {}))
    assert same(pristine, copy.deepcopy(pristine))  # a copy is the same object as far as tests can see
    nested = copy.deepcopy(pristine)
    nested.rows.loc[nested.rows.index[0], "ori"] = "XX0000000"
    assert not same(pristine, nested)  # a cell
    nested = copy.deepcopy(pristine)
    nested.qa["lists"] = nested.qa["lists"].rename(columns={"operator": "who"})
    assert not same(pristine, nested)  # a column's name
    nested = copy.deepcopy(pristine)
    nested.rows.index = nested.rows.index + 1
    assert not same(pristine, nested)  # the row labels
    nested = copy.deepcopy(pristine)
    nested.mapping["a"] = "b"
    assert not same(pristine, nested)  # a plain dict
    frame = pd.DataFrame({"n": [1, 2]})
    assert same(frame, frame.copy()) and not same(frame, frame.astype("float64"))  # a dtype
    assert not same(frame, frame["n"]) and not same(frame, frame.iloc[:1])


def test_a_test_that_changes_a_shared_object_is_named(real_rosters):
    shared = {"real_rosters": (real_rosters.copy(), real_rosters.copy()), "other": ("x", "x")}
    assert shared_changes(shared, ["real_rosters", "other"]) == []
    shared["real_rosters"][0].loc[shared["real_rosters"][0].index[0], "ori"] = "XX0000000"
    assert shared_changes(shared, ["real_rosters", "other"]) == ["real_rosters"]
    assert shared_changes(shared, ["other"]) == []  # a test that did not use it is not blamed


def test_a_shared_object_is_built_once_for_every_worker(tmp_path, real_rosters):
    builds = []

    def build():
        builds.append(1)
        return real_rosters.copy()

    # two workers asking in turn (their calls share the session's folder): one build, the second reads it
    first, second = built_once("rosters", build, tmp_path), built_once("rosters", build, tmp_path)
    assert len(builds) == 1 and first is not second
    assert same(real_rosters, first) and same(real_rosters, second)
    assert built_once("rosters", build, None) is not None and len(builds) == 2  # no folder: no xdist, built
