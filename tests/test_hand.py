"""Every hand table is read by hand.read_hand_table: a duplicate key or a malformed CSV stops the build with
the file and the line as an editor shows it."""
from pathlib import Path

import pytest

from ice287g.acquire import update
from ice287g.analyses import claims
from ice287g.acquire import from_mirror
from ice287g.core import fixtables, hand, keys, messages
from ice287g.detention import detention, operators
from ice287g.history import agreements, corrections, identity, pending_states, roster
from ice287g.ingest import lists
from ice287g.ingest import census
from ice287g.places import geography

REAL_HAND = Path(__file__).resolve().parents[1] / "data" / "hand"
FOLDS = {"fix": keys.fix_key, "place": keys.text_key, "agency": keys.agency_key,
         "facility": operators.join_key}

# The reader each table's users call: a table read anywhere else would skip the checks.
READERS = {
    **{name: (lambda n=name: fixtables.FixTable.load(n)) for name in (
        "agency_name_fixes.csv", "agency_type_fixes.csv", "aliases.csv", "blank_state_fixes.csv",
        "date_fixes.csv", "model_fixes.csv", "state_fixes.csv")},
    **{name: (lambda n=name: census.placement_table(n)) for name in census.PLACE_FIX_TABLES},
    "distinct_agencies.csv": lambda: identity.load_distinct(),
    "agreement_corrections.csv": lambda: corrections.load_hand(),
    "agency_ori.csv": lambda: roster.load_hand_ori(),
    "pending_state_fixes.csv": lambda: pending_states.load_state_fixes(),
    "list_decisions.csv": lambda: lists.list_decisions(),
    "news_claims.csv": lambda: claims.load(),
    "program_events.csv": lambda: agreements.program_events(),
    "superseded_files.csv": lambda: detention.superseded(),
    "wanted_files.csv": lambda: update.wanted_files(),
    "raw_as_of_dates.csv": lambda: from_mirror.as_of_fixes(),
    "facility_operators.csv": lambda: operators.read_hand(),
}


@pytest.fixture
def hand_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("ICE287G_ROOT", str(tmp_path))
    folder = tmp_path / "data" / "hand"
    folder.mkdir(parents=True)
    return folder


def _header(name: str) -> str:
    return (REAL_HAND / name).read_text(encoding="utf-8").splitlines()[0]


def test_every_hand_table_declares_its_key_and_has_a_reader():
    on_disk = {p.name for p in REAL_HAND.glob("*.csv")}
    assert on_disk <= set(hand.HAND_KEYS), f"declare a key in hand.HAND_KEYS for {sorted(on_disk - set(hand.HAND_KEYS))}"
    assert set(hand.HAND_KEYS) == set(READERS)


@pytest.mark.parametrize("name", sorted(p.name for p in REAL_HAND.glob("*.csv")))
def test_every_real_hand_table_reads_without_a_duplicate_key(name):
    table = hand.read_hand_table(name, REAL_HAND / name, folds=FOLDS)
    assert len(hand.lines(table)) == len(table)
    assert set(hand.HAND_KEYS[name].columns) <= set(table.columns)


def test_an_undeclared_table_is_refused(hand_dir):
    (hand_dir / "new_fixes.csv").write_text("value,fix,reason\n")
    with pytest.raises(hand.HandError, match=r"data/hand/new_fixes.csv: no key declared"):
        hand.read_hand_table("new_fixes.csv")


@pytest.mark.parametrize("name", sorted(READERS))
def test_a_duplicate_key_stops_every_reader_naming_file_lines_and_key(hand_dir, name):
    header = _header(name)
    row = ",".join("x" for _ in header.split(","))
    (hand_dir / name).write_text(f"{header}\n{row}\n{row}\n")
    with pytest.raises(ValueError, match=rf"data/hand/{name}: lines 2 and 3 have the same key \(.*'x'"):
        READERS[name]()


@pytest.mark.parametrize("name, rows, lines", [
    # fix tables look values up squashed and upper-cased: case and inner spaces do not tell rows apart
    ("state_fixes.csv", ["PENNSLYVANIA,PENNSYLVANIA,typo", "Pennslyvania ,PENNSYLVANIA,same typo"], (2, 3)),
    ("aliases.csv", ["FL,Ft. Myers Police Department,Fort Myers Police Department,abbr",
                     "fl,Ft.  Myers  Police Department,Fort Myers PD,again"], (2, 3)),
    # placement tables fold names as geography does (punctuation, Saint -> St)
    ("agency_counties.csv", ["FL,St. Lucie County Sheriff's Office,12111,r",
                             "FL,Saint Lucie County Sheriffs Office,12111,r"], (2, 3)),
    # a distinct pair is a pair either way round, its names folded as agency_key folds them
    ("distinct_agencies.csv", ["FL,Gulf County BOCC,Pasco County BOCC,two boards",
                               "FL,Pasco County Board of County Commissioners,Gulf County BOCC,again"], (2, 3)),
    # a facility is compared as the operator join compares names (case, CO, DET, CTR folded)
    ("facility_operators.csv", ["Limestone Co Det Ctr,TX,LaSalle,private,s,r",
                                "LIMESTONE COUNTY DETENTION CENTER,tx,LaSalle,private,s,r"], (2, 3)),
])
def test_a_duplicate_after_normalization_is_a_duplicate(hand_dir, name, rows, lines):
    text = _header(name) + "\n" + "\n".join(rows) + "\n"
    (hand_dir / name).write_text(text)
    with pytest.raises(ValueError, match=rf"data/hand/{name}: lines {lines[0]} and {lines[1]} have the same key"):
        READERS[name]()


def test_a_fix_table_duplicate_counts_lines_as_an_editor_does(hand_dir):
    (hand_dir / "model_fixes.csv").write_text(
        'value,fix,reason\nTask Force,Task Force Model,"label of\n2010-2017 fact sheets"\n\n'
        "Jail Enforcement,Jail Enforcement Model,r\ntask force,Task Force Model,again\n")
    with pytest.raises(messages.FixError, match=r"data/hand/model_fixes.csv: lines 2 and 6 have the same key "
                                             r"\(value='task force'"):
        fixtables.FixTable.load("model_fixes.csv")


@pytest.mark.parametrize("text, message", [
    # an unbalanced quote swallows the rest of the file: name the line the quote opens on
    ('value,fix,reason\nUTAHJ,UTAH,typo\n"PENNSLYVANIA,PENNSYLVANIA,typo\nA,B,c\n',
     r"line 3: a quote opened on this line is never closed"),
    ('value,fix,reason\nUTAHJ,UTAH,"typo"x\n', r"line 2: malformed CSV"),
    # a quoted field spanning lines moves every later line down, as in an editor
    ('value,fix,reason\nUTAHJ,UTAH,"typo\nin STATE"\nPENNSLYVANIA,PENNSYLVANIA,typo, in STATE\n',
     r"line 4: 4 field\(s\) where the header \(line 1\) has 3"),
    ("value,fix,reason\nUTAHJ,UTAH\n", r"line 2: 2 field\(s\) where the header \(line 1\) has 3"),
])
def test_a_malformed_hand_table_names_file_and_editor_line(hand_dir, text, message):
    (hand_dir / "state_fixes.csv").write_text(text)
    with pytest.raises(messages.FixError, match=rf"^data/hand/state_fixes.csv {message}"):
        fixtables.FixTable.load("state_fixes.csv")


def test_a_malformed_placement_table_names_file_and_line(hand_dir):
    (hand_dir / "unplaced_reasons.csv").write_text('state,value,reason\nFL,"Waria-labelon County,garbled\n')
    with pytest.raises(ValueError, match=r"^data/hand/unplaced_reasons.csv line 2: a quote opened"):
        geography.unplaced_table(geography.pd.DataFrame(columns=["method"]))


def test_a_claims_file_elsewhere_is_named_as_given(tmp_path):
    path = tmp_path / "my_claims.csv"
    path.write_text(",".join(claims.COLUMNS) + "\nt,o,2025-06,June 2025,,s,count,participating,,,agreements,1,\n")
    with pytest.raises(claims.ClaimError, match=rf"^{path.as_posix()} line 2 \(t\): as_of/since is not a date"):
        claims.load(path)
