"""Who runs each detention facility: ICE's facility lists read from the real raw files, joined to the real
workbook facilities by name, city and state; the hand table wins; QA checks that fail on doctored input."""
from __future__ import annotations

import pandas as pd
import pytest

from ice287g.archive import manifests
from ice287g.detention import operators
from ice287g.history import asof
from ice287g.tables.schema import OPERATOR_KINDS
from ice287g.detention.operators import OperatorError

from .conftest import REAL_RAW

FACILITY_LIST_2017 = "2017-11-06_ICE_Facility_List_11-06-2017-web.xlsx"
FACILITY_LIST_2015 = "2015-12-08_2015IceDetentionFacilityListing.xlsx"


@pytest.fixture(scope="module")
def facilities():
    return asof.read_processed("detention_facilities.csv")


@pytest.fixture(scope="module")
def joined(facilities, facility_lists):
    return operators.join(facilities, facility_lists)


def _row(df, **where):
    hit = df
    for column, value in where.items():
        hit = hit[hit[column] == value]
    assert len(hit) == 1, (where, len(hit))
    return hit.iloc[0]


def test_the_lists_are_read_from_their_header_rows_with_every_operator_classified(facility_lists):
    assert facility_lists.groupby("list_date").size().to_dict() == {"2015-12-08": 209, "2017-11-06": 1685}
    torrance = _row(facility_lists, list_date="2017-11-06", detloc="TOORANM")
    assert (torrance["name"], torrance["city"], torrance["state"], torrance["zip"]) == (
        "TORRANCE COUNTY DETENTION FACILITY", "ESTANCIA", "NM", "87016")
    assert (torrance["operator"], torrance["operator_kind"], torrance["row"]) == ("CCA", "private", 1536)
    limestone = _row(facility_lists, list_date="2017-11-06", detloc="LIMESTX")
    assert (limestone["operator"], limestone["operator_kind"]) == ("COUNTY", "county")  # stale: LaSalle's since 2016
    assert _row(facility_lists, list_date="2015-12-08", detloc="SLRDCAZ")["operator"] == "EMERALD"
    grayson = facility_lists[facility_lists["name"] == "GRAYSON COUNTY JAIL"]
    assert set(grayson["operator_kind"]) == {"jailer"}
    assert set(facility_lists["operator"]) - {""} <= set(operators.ICE_OPERATORS)
    assert set(facility_lists.loc[facility_lists["operator"] != "", "operator_kind"]) <= set(OPERATOR_KINDS)


def test_an_unclassified_operator_stops_the_reader_naming_file_sheet_and_row(monkeypatch):
    monkeypatch.setenv("ICE287G_NO_CACHE", "1")
    monkeypatch.delitem(operators.ICE_OPERATORS, "EMERALD")
    with pytest.raises(OperatorError, match=rf"data/raw/ice_facilities/{FACILITY_LIST_2015}, sheet 'Facility List - "
                                            r"Main', row \d+: unknown Facility Operator 'EMERALD'"):
        operators.read_list(REAL_RAW / "ice_facilities" / FACILITY_LIST_2015, "2015-12-08")


def test_a_list_without_its_header_row_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("ICE287G_NO_CACHE", "1")
    bad = tmp_path / "x.xlsx"
    bad.write_text("DETLOC,Name\n")
    with pytest.raises(OperatorError, match="this is text, not a workbook"):
        operators.read_list(bad, "2017-11-06")


@pytest.mark.parametrize("name, key", [
    ("ORANGE COUNTY JAIL (FL)", "ORANGE COUNTY JAIL"),  # the state ICE appends
    ("CASCADE COUNTY JAIL, MT", "CASCADE COUNTY JAIL"),
    ("ETOWAH COUNTY JAIL (ALABAMA)", "ETOWAH COUNTY JAIL"),  # the state spelled out, as the 2017 list does
    ("MINNESOTA CORRECTIONAL FACILITY (OAK PARK HEIGHTS)", "MINNESOTA CORRECTIONAL FACILITY OAK PARK HEIGHTS"),
    ("CAMPBELL CO DET CTR", "CAMPBELL COUNTY DETENTION CENTER"),
    ("BERKS COUNTY RESIDENTIAL CENTER3", "BERKS COUNTY RESIDENTIAL CENTER"),  # a glued footnote digit
])
def test_join_key(name, key):
    assert operators.join_key(name) == key


def test_real_facilities_join_by_each_rule(joined):
    torrance = _row(joined, facility="TORRANCE COUNTY DETENTION FACILITY", list_date="2017-11-06")
    assert (torrance["join_rule"], torrance["detloc"], torrance["list_operator"]) == (
        operators.RULE_NAME_CITY, "TOORANM", "CCA")
    # the workbooks print Binghamton and Binghampton; the 2017 list the misspelling
    broome = _row(joined, facility="BROOME COUNTY JAIL", city="BINGHAMTON", list_date="2017-11-06")
    assert (broome["join_rule"], broome["list_city"]) == (operators.RULE_NAME_STATE, "BINGHAMPTON")
    # the 2017 list prints the jail's earlier name: same town and ZIP code, and OLDHAM shared
    oldham = _row(joined, facility="OLDHAM COUNTY DETENTION CENTER", list_date="2017-11-06")
    assert (oldham["join_rule"], oldham["list_name"], oldham["list_operator"]) == (
        operators.RULE_CITY_ZIP, "OLDHAM COUNTY JAIL", "COUNTY (JAILER)")
    corley = _row(joined, facility="JOE CORLEY PROCESSING CTR", list_date="2017-11-06")
    assert (corley["join_rule"], corley["list_operator"]) == (operators.RULE_CITY_ZIP, "GEO")
    # first used after 2017: on neither list
    bluebonnet = joined[joined["facility"] == "BLUEBONNET DETENTION FACILITY"]
    assert set(bluebonnet["join_rule"]) == {operators.NOT_JOINED} and set(bluebonnet["detloc"]) == {""}
    # the 2017 list names Montgomery's city jail twice (two contract types): no guess between them
    assert _row(joined, facility="MONTGOMERY CITY JAIL", list_date="2017-11-06")["join_rule"] == operators.AMBIGUOUS
    assert set(joined["join_rule"]) <= set(operators.JOIN_RULES) | {operators.NOT_JOINED, operators.AMBIGUOUS}


def test_the_zip_rule_does_not_fire_on_generic_or_city_words_or_a_hold_room(facility_lists):
    l17 = facility_lists[facility_lists["list_date"] == "2017-11-06"]
    hand_rows = operators.read_hand().iloc[:0]
    etowah = l17[l17["zip"] == "35901"]
    assert set(etowah["type_detailed"]) == {"USMS IGA", "HOLD"}  # the jail and ICE's hold room share a ZIP code
    doctored = pd.DataFrame([
        # only the city's name and generic words shared with the list's Etowah rows: not evidence
        {"facility": "GADSDEN CITY JAIL", "city": "GADSDEN", "state": "AL", "zip": "35901"},
        # ETOWAH shared with the jail, but a juvenile hall is not the county jail
        {"facility": "ETOWAH COUNTY JUVENILE DETENTION", "city": "GADSDEN", "state": "AL", "zip": "35901"},
        # ETOWAH shared with the jail and the hold room, the hold room set aside: the jail
        {"facility": "ETOWAH DETENTION CENTER", "city": "GADSDEN", "state": "AL", "zip": "35901"},
    ]).assign(facility_type="USMS IGA", release_date="2026-04-02")
    out = operators.join(doctored, l17).set_index("facility")
    assert out.loc["GADSDEN CITY JAIL", "join_rule"] == operators.NOT_JOINED
    assert out.loc["ETOWAH COUNTY JUVENILE DETENTION", "join_rule"] == operators.NOT_JOINED
    assert (out.loc["ETOWAH DETENTION CENTER", "join_rule"], out.loc["ETOWAH DETENTION CENTER", "detloc"]) == (
        operators.RULE_CITY_ZIP, "ETOWAAL")
    ops, _ = operators.resolve(out.reset_index(), hand_rows)
    assert ops[("GADSDEN CITY JAIL", "GADSDEN", "AL")] == operators.UNKNOWN


def test_a_hand_row_wins_then_the_newer_list_then_the_older(joined):
    ops, unused = operators.resolve(joined, operators.read_hand())
    assert unused.empty
    limestone = ops[("LIMESTONE COUNTY DETENTION CENTER", "GROESBECK", "TX")]
    assert (limestone.name, limestone.kind, limestone.private, limestone.from_hand) == (
        "LaSalle Corrections", "private", True, True)
    assert limestone.source.startswith("data/hand/facility_operators.csv: KWTX, 2020-12-16")
    # the 2017 list says LaSalle, the 2015 list Emerald: the newer wins
    san_luis = ops[("SAN LUIS REGIONAL DETENTION CENTER", "SAN LUIS", "AZ")]
    assert (san_luis.name, san_luis.kind) == ("LASALLE CORRECTIONS", "private")
    assert san_luis.source == ("ICE facility list of 2017-11-06 (SLRDCAZ: SAN LUIS REGIONAL DETENTION CENTER, "
                               "SAN LUIS; joined by name, city and state)")
    butler = ops[("BUTLER COUNTY JAIL", "HAMILTON", "OH")]
    assert (butler.kind, butler.sheriff_possible) == ("sheriff", True)
    corrections = ops[("STRAFFORD COUNTY CORRECTIONS", "DOVER", "NH")]
    assert (corrections.name, corrections.kind, corrections.sheriff_possible) == ("COUNTY (CORRECTIONS)", "county",
                                                                                 False)
    kenton = ops[("KENTON COUNTY JAIL", "COVINGTON", "KY")]  # the list says COUNTY; the hand row the jailer
    assert (kenton.kind, kenton.sheriff_possible) == ("jailer", False)
    assert ops[("FLAGLER COUNTY JAIL", "BUNNELL", "FL")] == operators.UNKNOWN  # on neither list, no hand row


def test_the_hand_table_is_checked(tmp_path, joined):
    real = operators.read_hand()
    assert list(real.columns[:6]) == operators.HAND_COLUMNS
    assert set(real["operator_kind"]) <= set(operators.HAND_KINDS)
    header = ",".join(operators.HAND_COLUMNS)
    path = tmp_path / "facility_operators.csv"
    path.write_text(f"{header}\nLIMESTONE COUNTY DETENTION CENTER,TX,LaSalle,company,KWTX,r\n")
    with pytest.raises(OperatorError, match=r"line 2: operator_kind 'company' is not one of"):
        operators.read_hand(path)
    path.write_text(f"{header}\nLIMESTONE COUNTY DETENTION CENTER,TX,LaSalle,private,,r\n")
    with pytest.raises(OperatorError, match=r"line 2: \['source'\] empty"):
        operators.read_hand(path)
    path.write_text("facility,state,operator,operator_kind,source,reason,note\nA,TX,B,private,s,r,n\n")
    with pytest.raises(OperatorError, match="columns must be exactly"):
        operators.read_hand(path)
    # a row naming no facility of the workbooks is reported, and fails the QA
    path.write_text(f"{header}\nNO SUCH DETENTION CENTER,TX,LaSalle,private,s,r\n"
                    "LIMESTONE COUNTY DETENTION CENTER,TX,LaSalle,private,s,r\n")
    ops, unused = operators.resolve(joined, operators.read_hand(path))
    assert unused[["facility", "state"]].values.tolist() == [["NO SUCH DETENTION CENTER", "TX"]]
    assert ops[("LIMESTONE COUNTY DETENTION CENTER", "GROESBECK", "TX")].private


def test_qa_checks_fail_on_doctored_input(facilities, joined):
    _, unused = operators.resolve(joined, operators.read_hand())
    checks = operators.qa_rows(joined, facilities, unused)
    assert set(checks["status"]) == {"pass"}
    assert checks["check"].tolist() == ["jails_operator_join_complete", "jails_operator_join_rule_known",
                                        "jails_operator_hand_rows"]

    def failed(j=joined, u=unused):
        c = operators.qa_rows(j, facilities, u)
        return set(c.loc[c["status"] == "fail", "check"])

    assert failed(j=joined.iloc[1:]) == {"jails_operator_join_complete"}
    assert failed(j=pd.concat([joined, joined.head(1)])) == {"jails_operator_join_complete"}
    assert failed(j=joined.assign(join_rule=joined["join_rule"].replace(operators.RULE_CITY_ZIP, "zip only"))) == {
        "jails_operator_join_rule_known"}
    stray = pd.DataFrame([["NO SUCH JAIL", "TX", "x", "private", "s", "r"]], columns=operators.HAND_COLUMNS)
    assert failed(u=stray) == {"jails_operator_hand_rows"}


def test_the_new_source_is_registered_and_verified():
    assert "ice_facilities" in manifests.paths.RAW_SOURCES
    rows = manifests.manifest("ice_facilities")
    assert sorted(rows["file"]) == [FACILITY_LIST_2015, FACILITY_LIST_2017]
    assert set(rows["kind"]) == {operators.LIST_KIND}
    assert [p.name for p in operators.list_files()] == [FACILITY_LIST_2015, FACILITY_LIST_2017]
