"""`nqpsim.run` and `nqpsim.check`: the same values as the CLI, tables every Arrow reader
takes, and the CLI's errors as Python exceptions."""

import pandas as pd
import pyarrow as pa
import pytest

import nqpsim

SIZE = dict(steps=6, firms=400, replicates=2, seed=11)
SIZE_FLAGS = ["--steps", "6", "--firms", "400", "--replicates", "2", "--seed", "11"]
LEVER = {"policy.rd_subsidy.traditional": 0.3, "policy.targeting": "selective"}
LEVER_FLAGS = ["--set", "policy.rd_subsidy.traditional=0.3", "--set", "policy.targeting=selective"]


def cli_folder(cli, tmp_path, *args):
    out = tmp_path / "cli"
    cli("run", *args, "--out", out, "--quiet")
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return folder


def assert_same_values(table, csv_path):
    """Every column of `table` equals the CLI's CSV file: same names, same order, the same
    doubles bit for bit (NA where the CSV is empty)."""
    ours = table.to_pandas()
    theirs = pd.read_csv(csv_path, keep_default_na=True)
    assert list(ours.columns) == list(theirs.columns)
    assert len(ours) == len(theirs) > 0
    pd.testing.assert_frame_equal(ours, theirs, check_dtype=False, check_exact=True)


def test_run_returns_every_column_of_the_clis_trajectories_csv(cli, tmp_path, scenarios):
    folder = cli_folder(cli, tmp_path, scenarios / "digital-push.toml", *SIZE_FLAGS)
    t = nqpsim.run(scenarios / "digital-push.toml", **SIZE)
    assert_same_values(t, folder / "trajectories.csv")
    assert_same_values(t.decomposition, folder / "decomposition.csv")


def test_a_run_with_regions_returns_the_clis_regions_csv(cli, tmp_path, scenarios):
    folder = cli_folder(cli, tmp_path, scenarios / "regional-layout.toml", *SIZE_FLAGS)
    t = nqpsim.run(scenarios / "regional-layout.toml", **SIZE)
    assert_same_values(t.regions, folder / "regions.csv")
    assert set(t.regions.to_pandas()["region"]) == {"east", "central", "west", "northeast"}
    assert nqpsim.run(**SIZE).regions is None


def test_set_is_the_clis_set(cli, tmp_path):
    folder = cli_folder(cli, tmp_path, *SIZE_FLAGS, *LEVER_FLAGS)
    t = nqpsim.run(set=LEVER, **SIZE)
    assert_same_values(t, folder / "trajectories.csv")


def test_size_arguments_are_the_run_fields_they_set():
    a = pa.table(nqpsim.run(**SIZE))
    b = pa.table(nqpsim.run(set={"run.steps": 6, "run.firms": 400, "run.replicates": 2, "run.seed": 11}))
    assert a.equals(b)


def test_the_table_does_not_depend_on_the_number_of_threads():
    one = pa.table(nqpsim.run(set=LEVER, threads=1, **SIZE))
    two = pa.table(nqpsim.run(set=LEVER, threads=2, **SIZE))
    assert one.equals(two)


def test_pyarrow_polars_and_pandas_read_the_table_through_the_capsule_interface():
    t = nqpsim.run(**SIZE)
    rows = SIZE["replicates"] * (SIZE["steps"] + 1) * 4  # three sectors and `all`
    assert pa.table(t).num_rows == rows == t.num_rows == len(t)
    assert len(t.to_pandas()) == rows
    polars = pytest.importorskip("polars")
    df = polars.DataFrame(t)
    assert df.height == rows and df.columns == t.column_names
    # the declared types: counts are integers, amounts doubles even when whole numbers
    schema = pa.table(t).schema
    assert schema.field("firms").type == pa.int64()
    assert schema.field("subsidy_rd").type == pa.float64()
    assert schema.field("sector").type == pa.string()


def test_run_reports_its_scenario_and_overrides():
    t = nqpsim.run(set={"policy.rd_subsidy.traditional": 0.3}, steps=2, firms=100)
    assert t.info["scenario_name"] == "baseline"
    assert t.info["overrides"] == ["--steps 2", "--firms 100", "policy.rd_subsidy.traditional=0.3"]


def cli_error(cli, *args):
    p = cli("check", *args, check=False)
    assert p.returncode == 2
    assert p.stderr.startswith("error: ")
    return p.stderr[len("error: "):].rstrip("\n")


def test_a_bad_override_raises_scenario_error_with_the_clis_message(cli):
    message = cli_error(cli, "builtin:baseline", "--set", "policy.rd_subsidy.traditional=1.5")
    with pytest.raises(nqpsim.ScenarioError) as raised:
        nqpsim.run(set={"policy.rd_subsidy.traditional": 1.5}, steps=1, firms=10)
    assert str(raised.value) == message
    assert isinstance(raised.value, ValueError)
    assert "policy.rd_subsidy.traditional" in message


def test_a_bad_scenario_file_raises_with_file_line_and_column(cli, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "builtin:baseline"\n\n[run]\nsteps = -3\n')
    message = cli_error(cli, bad)
    with pytest.raises(nqpsim.ScenarioError) as raised:
        nqpsim.check(bad)
    assert str(raised.value) == message
    assert f"{bad}:4:" in message


def test_a_size_argument_out_of_range_names_the_flag_as_the_cli_does(cli):
    p = cli("run", "--steps", "-1", "--out", "/nonexistent", check=False)
    with pytest.raises(nqpsim.ScenarioError) as raised:
        nqpsim.run(steps=-1)
    assert p.stderr == f"error: {raised.value}\n"


def test_zero_threads_is_bad_input():
    with pytest.raises(nqpsim.InputError, match="at least one thread"):
        nqpsim.run(steps=1, firms=10, threads=0)


def test_check_returns_the_resolved_scenario_as_a_dict(scenarios):
    s = nqpsim.check(scenarios / "digital-push.toml", set={"run.steps": 4})
    assert s["run"]["steps"] == 4
    assert s["name"] == "digital-push"
    baseline = nqpsim.check()
    assert baseline["name"] == "baseline"
    assert len(baseline["sectors"]) == 3
