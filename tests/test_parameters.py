"""Notebook parameters are declared once (ice287g.build.registry) and refused before any kernel starts."""
import pandas as pd
import pytest

from ice287g.archive import manifests
from ice287g.archive import coverage
from ice287g.build import parameters, pipeline, registry
from ice287g.build import codebook
from ice287g.build import reports
from ice287g.core.vocab import GAP_DAYS, MODELS


@pytest.fixture
def no_kernel(monkeypatch):
    """Fails the test if a notebook would start; records what it would have been given."""
    started = []

    def execute(name, nb, params, *args, **kwargs):
        started.append((name, dict(params)))
        raise AssertionError(f"{name} started")

    monkeypatch.setattr(pipeline, "_execute", execute)
    return started


def _refused(call, pattern):
    with pytest.raises(pipeline.NotebookError, match=pattern) as err:
        call()
    assert "\n" not in str(err.value)  # one line
    return str(err.value)


@pytest.mark.parametrize("name", sorted(p.stem for p in pipeline.paths.notebooks_dir().glob("*.py")))
def test_declarations_agree_with_each_notebooks_parameters_cell(name):
    defaults = pipeline.notebook_parameters(pipeline.load_source(name))
    declared = registry.declared(name).parameters  # every notebook in notebooks/ is declared
    assert sorted(defaults) == sorted(declared)
    for key, value in defaults.items():
        assert type(value) is declared[key].type, key
    assert registry.validate_parameters(name, defaults) == defaults  # defaults are allowed and already normal


def test_the_codebook_lists_every_parameter():
    text = codebook.codebook_markdown()
    for notebook, declared in ((s.name, s.parameters) for s in registry.NOTEBOOKS + (registry.STATE_REPORT,)):
        section = text.split(f"### Parameters of `{notebook}`\n", 1)[1].split("\n### ", 1)[0]
        for name, param in declared.items():
            assert f"| `{name}` | {param.type.__name__} | {param.allowed} |" in section


def test_an_unknown_state_is_refused_before_a_kernel_starts(no_kernel):
    message = _refused(lambda: pipeline.run_notebook("03_maps", {"state": "ZZ"}),
                       r"^03_maps: parameter state='ZZ' refused \(not a state.*\); allowed: `ALL` or a two-letter")
    assert no_kernel == []
    _refused(lambda: pipeline.run_state_report("ZZ"), r"^state_report: parameter state='ZZ' refused")
    assert message


def test_a_lower_case_state_and_model_are_upper_cased(no_kernel):
    assert registry.validate_parameters("03_maps", {"state": "tx", "model": "jem"}) == {"state": "TX", "model": "JEM"}
    with pytest.raises(AssertionError, match="started"):
        pipeline.run_notebook("03_maps", {"state": "tx"})
    assert no_kernel == [("03_maps", {"state": "TX"})]


def test_an_unknown_model_is_refused(no_kernel):
    _refused(lambda: pipeline.run_notebook("03_maps", {"model": "XYZ"}),
             rf"^03_maps: parameter model='XYZ' refused \(not a model\); allowed: `ALL` or one of {', '.join(MODELS)}")


def test_a_detention_date_before_every_release_is_refused(no_kernel):
    m = manifests.manifest("ice_detention")
    first = m.loc[m["kind"] == "ice_detentionStats_workbook_xlsx", "as_of_date"].min()
    _refused(lambda: pipeline.run_notebook("04_detention", {"as_of": "1990-01-01"}),
             rf"^04_detention: parameter as_of='1990-01-01' refused \(before the earliest detention release "
             rf"\({first}\)\)")
    # the first release itself is refused by its list: the newest list before it is older than the threshold
    with pytest.raises(parameters.ParameterError,
                       match=rf"its detention release is of {first}, and {first} falls inside an archive gap"):
        registry.validate_parameters("04_detention", {"as_of": first})


def test_a_list_date_before_the_first_list_or_not_a_date_is_refused(no_kernel):
    first = parameters.first_ice_list()
    cov = coverage.coverage()
    assert first == cov.loc[cov["ice_list"], "start"].min()
    _refused(lambda: pipeline.run_notebook("03_maps", {"as_of": "1999-12-31"}),
             rf"as_of='1999-12-31' refused \(before the earliest ICE list \({first}\)\)")
    _refused(lambda: pipeline.run_notebook("01_agreement_history", {"as_of": "June 2025"}),
             r"as_of='June 2025' refused \(not a date YYYY-MM-DD\)")
    _refused(lambda: pipeline.run_notebook("03_maps", {"spread_dates": "2025-01-31;2025-02-30"}),
             r"spread_dates='2025-01-31;2025-02-30' refused \(not a calendar date\)")
    _refused(lambda: pipeline.run_notebook("02_compare_lists", {"before": "first-1990"}),
             r"before='first-1990' refused")


@pytest.mark.parametrize("notebook", ["00_raw_inventory", "01_agreement_history", "00_program_history"])
@pytest.mark.parametrize("value", [-5, 0, "soon"])
def test_gap_days_must_be_a_positive_whole_number(no_kernel, notebook, value):
    _refused(lambda: pipeline.run_notebook(notebook, {"gap_days": value}),
             rf"^{notebook}: parameter gap_days={value!r} refused .*; allowed: a positive whole number of days")


def test_a_fiscal_year_no_release_covers_is_refused(no_kernel):
    _refused(lambda: pipeline.run_notebook("04_detention", {"fiscal_year": 1990}),
             r"fiscal_year=1990 refused \(no detention release covers FY1990")


def test_a_missing_claims_file_is_named_as_given(no_kernel):
    _refused(lambda: pipeline.run_notebook("05_news_claims", {"claims_file": "claims/elsewhere.csv"}),
             r"^05_news_claims: parameter claims_file='claims/elsewhere.csv' refused \(no such file\)")


def test_an_unknown_parameter_name_is_refused(no_kernel):
    _refused(lambda: pipeline.run_notebook("03_maps", {"colour": "red"}),
             r"^03_maps: unknown parameter\(s\) \['colour'\]; it takes \['as_of', 'model', 'spread_dates', 'state'\]")


def test_reports_refuse_a_bad_date_before_any_work():
    with pytest.raises(ValueError, match=r"^state_report: parameter as_of='1990-01-01' refused"):
        reports.build_reports(["FL"], "1990-01-01")


# ---- dates inside an archive gap (the store's rule, store.list_row_for / release_row_for) ----------------

def test_a_map_date_inside_an_archive_gap_is_refused_before_a_kernel_starts(no_kernel):
    _refused(lambda: pipeline.run_notebook("03_maps", {"as_of": "2010-06-01"}),
             r"^03_maps: parameter as_of='2010-06-01' refused \(2010-06-01 falls inside an archive gap: the newest "
             r"participating list on or before it is the list of 2008-03-10 \(2008-03-10_historical-ice-lists.csv\), "
             r"813 days old, more than the gap threshold of 180 days\); allowed: `newest` or a date")
    _refused(lambda: pipeline.run_notebook("03_maps", {"spread_dates": "2017-01-20;2019-06-01;newest"}),
             r"spread_dates='2017-01-20;2019-06-01;newest' refused \(2019-06-01 falls inside an archive gap: .*"
             r"the list of 2017-08-01 .*669 days old")
    _refused(lambda: pipeline.run_notebook("02_compare_lists", {"before": "2019-06-01"}),
             r"before='2019-06-01' refused \(2019-06-01 falls inside an archive gap")
    _refused(lambda: pipeline.run_notebook("01_agreement_history", {"as_of": "2019-06-01"}),
             r"as_of='2019-06-01' refused \(2019-06-01 falls inside an archive gap")
    _refused(lambda: pipeline.run_state_report("FL", "2019-06-01"), r"^state_report: parameter as_of='2019-06-01' "
                                                                    r"refused \(2019-06-01 falls inside an archive gap")
    assert no_kernel == []


def test_a_list_date_just_after_a_list_and_at_the_threshold_is_allowed():
    assert registry.validate_parameters("03_maps", {"as_of": "2021-01-14"}) == {"as_of": "2021-01-14"}
    at = (pd.Timestamp("2008-03-10") + pd.Timedelta(days=GAP_DAYS)).date().isoformat()
    after = (pd.Timestamp("2008-03-10") + pd.Timedelta(days=GAP_DAYS + 1)).date().isoformat()
    assert registry.validate_parameters("03_maps", {"as_of": at}) == {"as_of": at}
    with pytest.raises(parameters.ParameterError, match=f"{GAP_DAYS + 1} days old"):
        registry.validate_parameters("03_maps", {"as_of": after})


def test_detention_dates_inside_a_gap_of_the_releases_or_of_the_lists_are_refused(no_kernel):
    for notebook in ("04_detention", "07_jails_and_detention"):
        _refused(lambda: pipeline.run_notebook(notebook, {"as_of": "2020-06-01"}),
                 rf"^{notebook}: parameter as_of='2020-06-01' refused \(2020-06-01 falls inside an archive gap: the "
                 r"newest detention release on or before it is the detention release of 2019-10-07 "
                 r"\(2019-10-07_FY19-detentionstats.xlsx\), 238 days old")
    # 04 pairs the release with the list in force at the release; 07 with the list in force at the date
    _refused(lambda: pipeline.run_notebook("04_detention", {"as_of": "2019-12-01"}),
             r"as_of='2019-12-01' refused \(its detention release is of 2019-10-07, and 2019-10-07 falls inside an "
             r"archive gap: the newest participating list on or before it is the list of 2017-08-01")
    _refused(lambda: pipeline.run_notebook("07_jails_and_detention", {"as_of": "2019-12-01"}),
             r"as_of='2019-12-01' refused \(2019-12-01 falls inside an archive gap: the newest participating list")
    assert no_kernel == []
    assert registry.validate_parameters("07_jails_and_detention", {"as_of": "2021-02-01"}) == {"as_of": "2021-02-01"}


def test_the_pending_analysis_date_may_fall_in_a_gap():
    # 06 judges requests with every list up to the date; a gap makes them unknown_gap, not an error
    assert registry.validate_parameters("06_pending_pipeline", {"as_of": "2019-06-01"}) == {"as_of": "2019-06-01"}


def test_the_changes_command_refuses_a_date_in_a_gap_in_one_line(capsys):
    from ice287g.build import cli

    assert cli.main(["changes", "--as-of", "2010-06-01"]) == 1
    err = capsys.readouterr().err
    assert err == ("changes: 2010-06-01 falls inside an archive gap: the newest participating list on or before it "
                   "is the list of 2008-03-10 (2008-03-10_historical-ice-lists.csv), 813 days old, more than the gap "
                   "threshold of 180 days; give a date with a list in force, or `newest`\n")
