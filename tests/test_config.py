"""AnalysisConfig: CLI overrides > config file > defaults, goal defaults, one-line errors."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from repsight.config import AnalysisConfig, build_config, load_config_file
from repsight.errors import ConfigError, RepsightError


def write(tmp_path, text, name="settings.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def config_error(**kw):
    """The ConfigError build_config raises for these overrides (asserted to be one line)."""
    with pytest.raises(ConfigError) as info:
        build_config(**kw)
    msg = str(info.value)
    assert "\n" not in msg and msg.strip() == msg, msg
    return msg


# ------------------------------------------------------------------------ precedence

def test_defaults_without_file_or_overrides():
    cfg = build_config()
    assert cfg == AnalysisConfig()
    assert cfg.exercise == "auto" and cfg.goal == "strength" and cfg.model == "full"
    assert cfg.velocity_loss_pct is None and cfg.drift_tolerance_deg is None


def test_file_overrides_defaults(tmp_path):
    path = write(tmp_path, '[analysis]\nexercise = "squat"\ngoal = "power"\n'
                           'lifter_height_m = 1.78\nvelocity_loss_pct = 15\n')
    cfg = build_config(path)
    assert (cfg.exercise, cfg.goal, cfg.lifter_height_m, cfg.velocity_loss_pct) == (
        "squat", "power", 1.78, 15)
    assert cfg.smoothing_cutoff_hz == AnalysisConfig().smoothing_cutoff_hz  # untouched default


def test_cli_overrides_file_and_none_leaves_file_value(tmp_path):
    """An option the user did not give (None) must not erase the file's value."""
    path = write(tmp_path, 'goal = "power"\nvelocity_loss_pct = 15\ndrift_tolerance_deg = 8\n')
    cfg = build_config(path, goal="hypertrophy", drift_tolerance_deg=None, lifter_height_m=1.9)
    assert cfg.goal == "hypertrophy"  # CLI wins
    assert cfg.velocity_loss_pct == 15  # file, not the hypertrophy default
    assert cfg.effective_velocity_loss_pct == 15
    assert cfg.drift_tolerance_deg == 8  # None override ignored
    assert cfg.lifter_height_m == 1.9  # CLI only


def test_top_level_keys_and_analysis_table_read_alike(tmp_path):
    body = 'exercise = "curl"\ngoal = "power"\nbaseline_reps = 3\n'
    flat = load_config_file(write(tmp_path, body, "flat.toml"))
    table = load_config_file(write(tmp_path, "[analysis]\n" + body, "table.toml"))
    assert flat == table == {"exercise": "curl", "goal": "power", "baseline_reps": 3}
    assert build_config(write(tmp_path, body, "flat.toml")) == build_config(
        write(tmp_path, "[analysis]\n" + body, "table.toml"))


def test_config_file_path_may_be_text(tmp_path):
    path = write(tmp_path, 'goal = "power"\n')
    assert build_config(str(path)).goal == "power"


def test_variants_by_replace_are_validated_and_config_is_frozen():
    cfg = build_config(goal="power")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.goal = "strength"
    assert dataclasses.replace(cfg, goal="strength").goal == "strength"
    with pytest.raises(ConfigError, match="min_visibility"):
        dataclasses.replace(cfg, min_visibility=1.5)


def test_extra_table_is_recorded_in_to_dict(tmp_path):
    path = write(tmp_path, '[analysis]\ngoal = "power"\n[analysis.extra]\nathlete = "A. Lifter"\n')
    d = build_config(path).to_dict()
    assert d["extra"] == {"athlete": "A. Lifter"} and d["goal"] == "power"
    assert set(d) == {f.name for f in dataclasses.fields(AnalysisConfig)}


# ------------------------------------------------------------------------ goal defaults

@pytest.mark.parametrize("goal,loss,limit", [("power", 20.0, 1.2), ("strength", 30.0, None),
                                             ("hypertrophy", 40.0, None)])
def test_goal_defaults(goal, loss, limit):
    cfg = build_config(goal=goal)
    assert cfg.effective_velocity_loss_pct == loss
    assert cfg.effective_concentric_limit_s == limit


def test_explicit_thresholds_beat_goal_defaults(tmp_path):
    cfg = build_config(goal="power", velocity_loss_pct=12.5, concentric_time_limit_s=0.9)
    assert cfg.effective_velocity_loss_pct == 12.5
    assert cfg.effective_concentric_limit_s == 0.9
    # a limit from the file applies in strength mode too, where there is no default limit
    path = write(tmp_path, "concentric_time_limit_s = 2.5\n")
    cfg = build_config(path, goal="strength")
    assert cfg.effective_concentric_limit_s == 2.5
    assert cfg.effective_velocity_loss_pct == 30.0


def test_goal_from_cli_changes_the_default_threshold_over_file_goal(tmp_path):
    path = write(tmp_path, 'goal = "hypertrophy"\n')
    assert build_config(path).effective_velocity_loss_pct == 40.0
    assert build_config(path, goal="power").effective_velocity_loss_pct == 20.0
    assert build_config(path, goal="power").effective_concentric_limit_s == 1.2


# ------------------------------------------------------------------------ bad values

@pytest.mark.parametrize("field,value,lo,hi", [
    ("smoothing_cutoff_hz", 99, 0.5, 30),
    ("smoothing_cutoff_hz", 0.1, 0.5, 30),
    ("min_visibility", 1.5, 0, 1),
    ("max_gap_s", -0.1, 0, 2),
    ("baseline_reps", 0, 1, 10),
    ("eccentric_speedup", 50, 1, 20),
    ("stall_speed_share", 1.5, 0, 1),
    ("stall_lockout_share", -0.1, 0, 1),
    ("attempt_min_share", 1.5, 0, 1),
    ("lifter_height_m", 3.0, 0.8, 2.6),
    ("velocity_loss_pct", 0.5, 1, 100),
    ("drift_tolerance_deg", 120, 0.5, 90),
    ("concentric_time_limit_s", 0.0, 0.1, 30),
    ("max_rep_duration_s", 200, 1, 120),
])
def test_out_of_range_names_field_range_and_value(field, value, lo, hi):
    msg = config_error(**{field: value})
    assert msg == f"{field} must be between {lo} and {hi}, got {value!r}"


def test_nan_is_out_of_range():
    msg = config_error(smoothing_cutoff_hz=float("nan"))
    assert msg.startswith("smoothing_cutoff_hz must be between") and msg.endswith("nan")


@pytest.mark.parametrize("field,value", [("smoothing_cutoff_hz", "fast"), ("velocity_loss_pct", "20%"),
                                         ("lifter_height_m", [1.8])])
def test_wrong_type_for_a_number_names_value(field, value):
    from repsight.config import shown

    msg = config_error(**{field: value})
    assert msg.startswith(field) and msg.endswith(f"got {shown(value)}")
    # Text where a number belongs is said to be so, not "out of range" ("20" in quotes).
    assert "must be a number between" in msg
    assert "without quotes" not in msg  # "fast", "20%": no number in quotes
    assert "without quotes" in config_error(velocity_loss_pct="20")
    # As a config file spells the value: "fast" in double quotes, not Python's 'fast'.
    assert shown("fast") == '"fast"' and shown(None) == "unset" and shown(False) == "false"


@pytest.mark.parametrize("field,value", [("goal", 3), ("exercise", 1.5), ("side", 0),
                                         ("model", ["full"])])
def test_wrong_type_for_a_text_value(field, value):
    assert config_error(**{field: value}) == f"{field} must be a text value, got {value!r}"


@pytest.mark.parametrize("kw,words", [
    ({"goal": "bulk"}, ['unknown goal "bulk"', "power", "strength", "hypertrophy"]),
    ({"exercise": "zumba"}, ["unknown exercise 'zumba'", "squat", "auto"]),
    ({"side": "up"}, ["side must be", '"up"']),
    ({"model": "huge"}, ["model must be", '"huge"']),
])
def test_unknown_choice_names_value_and_choices(kw, words):
    msg = config_error(**kw)
    for w in words:
        assert w in msg


def test_exercise_alias_is_accepted_and_stored_as_the_profile_name(tmp_path):
    # A batch compares the settings a result was made with by value: "Back Squats" from a
    # config file against --exercise squat refused a re-run as made with other settings.
    assert build_config(exercise="curl").exercise == "biceps_curl"
    assert build_config(exercise="OHP").exercise == "overhead_press"
    path = write(tmp_path, '[analysis]\nexercise = "Back Squats"\n')
    assert build_config(path) == build_config(exercise="squat")
    for auto in ("AUTO", " auto", "Auto"):
        assert build_config(write(tmp_path, f'[analysis]\nexercise = "{auto}"\n')).exercise == "auto"


def test_unknown_override_keyword_is_a_config_error():
    msg = config_error(cutoff=5)
    assert "cutoff" in msg


def test_bad_value_in_file_is_a_config_error(tmp_path):
    path = write(tmp_path, "[analysis]\nmin_visibility = 2\n")
    with pytest.raises(ConfigError, match=r"min_visibility must be between 0 and 1, got 2$") as info:
        build_config(path)
    assert str(info.value).startswith(str(path))
    # ... even where the command line overrides it: a typo in a shared file must not lurk
    # until the day the option is left off (`exercise = "sqaut"` beside --exercise squat).
    with pytest.raises(ConfigError, match="min_visibility"):
        build_config(path, min_visibility=0.4)
    typo = write(tmp_path, '[analysis]\nexercise = "sqaut"\n')
    with pytest.raises(ConfigError, match="unknown exercise 'sqaut'"):
        build_config(typo, exercise="squat")
    # TOML's spelling of a wrong value, not Python's
    flag = write(tmp_path, "[analysis]\ndrift_tolerance_deg = true\n")
    with pytest.raises(ConfigError, match="got true$"):
        build_config(flag)


def test_a_table_beside_analysis_is_named_not_ignored(tmp_path):
    path = write(tmp_path, '[analysis]\ngoal = "strength"\n[analysys]\ngoal = "power"\n')
    with pytest.raises(ConfigError, match=r"beside \[analysis\].*: analysys"):
        build_config(path)


def test_unknown_keys_in_file_are_named(tmp_path):
    path = write(tmp_path, '[analysis]\ngoal = "power"\ncutoff_hz = 5\nvelocity_loss = 10\n')
    with pytest.raises(ConfigError) as info:
        load_config_file(path)
    msg = str(info.value)
    assert msg == (f"unknown setting(s) in {path}: cutoff_hz (did you mean smoothing_cutoff_hz?), "
                   "velocity_loss (did you mean velocity_loss_pct?)")


def test_a_file_written_with_the_options_names_is_told_each_ones_setting(tmp_path):
    # --bar, --concentric-limit and --cutoff-hz fill bar_path, concentric_time_limit_s and
    # smoothing_cutoff_hz: "unknown setting(s): bar, ..." alone left the user guessing.
    from click.testing import CliRunner

    from repsight.cli import main

    path = write(tmp_path, 'bar = "off"\nconcentric_limit = 1.0\nzzz = 1\n')
    result = CliRunner().invoke(main, ["analyze", str(tmp_path / "none.mp4"), "--config", str(path)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: unknown setting(s) in {path}: bar (--bar is bar_path in a config file), "
        "concentric_limit (--concentric-limit is concentric_time_limit_s in a config file), zzz")


def test_other_top_level_tables_are_unknown_settings(tmp_path):
    """Without an [analysis] table the top level is read as settings: [output] is unknown."""
    path = write(tmp_path, 'goal = "power"\n[output]\nplot = true\n')
    with pytest.raises(ConfigError, match="unknown setting.*output"):
        load_config_file(path)


def test_analysis_that_is_not_a_table(tmp_path):
    path = write(tmp_path, "analysis = 3\n")
    with pytest.raises(ConfigError) as info:
        load_config_file(path)
    assert "[analysis] must be a table" in str(info.value) and "3" in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_and_invalid_files(tmp_path):
    with pytest.raises(ConfigError, match="config file not found: .*nope.toml"):
        build_config(tmp_path / "nope.toml")
    bad = write(tmp_path, "goal = \n", "bad.toml")
    with pytest.raises(ConfigError) as info:
        build_config(bad)
    assert str(info.value).startswith(f"invalid TOML in {bad}") and "\n" not in str(info.value)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00goal")
    with pytest.raises(ConfigError, match="invalid TOML"):
        build_config(binary)


def test_config_error_is_a_repsight_error():
    """The CLI maps RepsightError to a clean message; ConfigError must be one."""
    assert issubclass(ConfigError, RepsightError)


# ---------------------------------------------------------- integers and booleans

@pytest.mark.parametrize("value", [0, 1000, "x", 2.5])
def test_drift_min_frames_is_validated(value):
    config_error(drift_min_frames=value)


@pytest.mark.parametrize("value", [True, 2.5])
def test_baseline_reps_is_a_whole_number_not_a_boolean(value):
    config_error(baseline_reps=value)


# ---------------------------------------------------------------- files and values from outside


def test_a_device_or_huge_file_is_refused_without_reading_it_all(tmp_path):
    with pytest.raises(ConfigError, match="not a regular file"):
        build_config("/dev/zero")
    big = tmp_path / "big.toml"
    big.write_text("# padding\n" * 200_000)
    with pytest.raises(ConfigError, match="larger than"):
        build_config(big)


def test_a_fifo_config_does_not_block(tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.toml")
    with pytest.raises(ConfigError, match="not a regular file"):
        build_config(tmp_path / "pipe.toml")


def test_deeply_nested_toml_is_one_config_error(tmp_path):
    deep = tmp_path / "deep.toml"
    deep.write_text("extra = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ConfigError, match="nested"):
        build_config(deep)
    nested = tmp_path / "nested.toml"
    nested.write_text("[extra]\nx = " + "[" * 20 + "1" + "]" * 20 + "\n")
    with pytest.raises(ConfigError, match="nested more than"):
        build_config(nested)


@pytest.mark.parametrize("toml, words", [
    ("[extra]\nwhen = 2024-05-01\n", "write dates as text"),
    ("[extra]\nload = nan\n", "extra.load must be a finite number"),
    ("[extra]\nsets = [1, inf]\n", "extra.sets[1] must be a finite number"),
    ("extra = 3\n", "extra must be a table"),
])
def test_extra_values_the_outputs_cannot_record_are_refused(tmp_path, toml, words):
    f = tmp_path / "c.toml"
    f.write_text(toml)
    with pytest.raises(ConfigError, match=re.escape(words)):
        build_config(f)


def test_plain_extra_values_are_kept(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[extra]\nathlete = "A"\nload_kg = 100.5\nsets = [1, 2]\n[extra.notes]\nok = true\n')
    assert build_config(f).extra == {"athlete": "A", "load_kg": 100.5, "sets": [1, 2],
                                     "notes": {"ok": True}}


@pytest.mark.parametrize("kw, words", [
    ({"min_rep_duration_s": 5.0, "max_rep_duration_s": 2.0}, "must be below max_rep_duration_s"),
    ({"min_rep_duration_s": 3.0, "max_rep_duration_s": 3.0}, "must be below max_rep_duration_s"),
])
def test_contradictory_settings_are_refused(kw, words):
    with pytest.raises(ConfigError, match=words):
        AnalysisConfig(**kw)


def test_bad_extra_fails_every_command_before_any_video_is_read(tmp_path):
    from click.testing import CliRunner

    from repsight.cli import main

    f = tmp_path / "c.toml"
    f.write_text("[extra]\nload = nan\n")
    missing = str(tmp_path / "no_such_video.mp4")
    for args in (["analyze", missing], ["annotate", missing, "-o", str(tmp_path / "a.mp4")],
                 ["batch", str(tmp_path), "-o", str(tmp_path / "res")]):
        result = CliRunner().invoke(main, [*args, "--config", str(f)])
        assert result.exit_code == 1, result.output
        assert "extra.load must be a finite number" in result.output
        assert result.output.count("\n") == 1
    assert not (tmp_path / "res").exists()


def test_rotate_takes_quarter_turns_only(tmp_path):
    """--rotate / rotate = N turns the picture N degrees clockwise before the pose model:
    quarter turns only, one line naming the setting otherwise."""
    from repsight.cache import cache_path
    from repsight.pose import EXTRACTOR_VERSION

    assert build_config(rotate=270).rotate == 270 and AnalysisConfig().rotate == 0
    for bad in (45, -90, 360, True, "90", 90.0):
        with pytest.raises(ConfigError, match="rotate must be 0, 90, 180 or 270"):
            build_config(rotate=bad)
    path = tmp_path / "c.toml"
    path.write_text("rotate = 90\n")
    assert build_config(path).rotate == 90
    # Poses read turned are cached apart; unturned keys are unchanged (caches stay valid).
    plain = cache_path("ab" * 20, "full", 1280, tmp_path)
    assert plain.name == f"{'ab' * 12}_full_s1280_v{EXTRACTOR_VERSION}.npz"
    assert cache_path("ab" * 20, "full", 1280, tmp_path, 90).name == plain.stem + "_r90.npz"


def test_a_config_file_as_people_save_and_spell_it(tmp_path: Path) -> None:
    # A Windows editor's byte-order mark, choices in capitals, a date where text belongs.
    path = tmp_path / "settings.toml"
    path.write_bytes('\ufeff[analysis]\ngoal = "POWER"\nside = "Left"\nmodel = "Lite"\n'.encode())
    cfg = build_config(path)
    assert (cfg.goal, cfg.side, cfg.model) == ("power", "left", "lite")
    path.write_text("[analysis]\ngoal = 1979-05-27\n")
    with pytest.raises(ConfigError, match=r"goal must be a text value, got 1979-05-27$"):
        build_config(path)


@pytest.mark.parametrize("name, profile", [
    ("squats", "squat"), ("Pull Ups", "pullup"), ("pushups", "pushup"), ("press-ups", "pushup"),
    ("curls", "biceps_curl"), ("bicep_curl", "biceps_curl"), ("military_press", "overhead_press"),
    ("dips", "dip"),
])
def test_an_exercise_is_found_by_its_plural_and_common_names(name, profile) -> None:
    # The flag and the config file take the names batch reads off folders ('squats/'): a
    # tester's `--exercise squats` was refused while the folder squats/ was a squat.
    from repsight.profiles import get_profile

    assert get_profile(name).name == profile


def test_a_misspelt_exercise_is_answered_with_the_nearest_name() -> None:
    from repsight.profiles import get_profile

    with pytest.raises(ConfigError, match=r"unknown exercise 'sqaut' \(did you mean squat\?\)"):
        get_profile("sqaut")
    with pytest.raises(ConfigError, match=r"unknown exercise 'zumba'; choose one of: .*auto"):
        get_profile("zumba")


def test_a_choice_option_ignores_case() -> None:
    from click.testing import CliRunner

    from repsight.cli import main

    done = CliRunner().invoke(main, ["analyze", "nowhere.mp4", "--goal", "Power"])
    assert "'Power' is not one of" not in done.output  # the missing file is what fails
    assert done.exit_code != 0 and "nowhere.mp4" in done.output


def test_the_files_workers_is_checked_and_named_whoever_reads_it(tmp_path):
    # `workers = 0` passed beside --workers 1, and `workers = "many"` passed a batch
    # (which never reads it); without --workers the error did not name the file.
    from repsight.cli_options import resolve_workers

    for bad in ("0", '"many"', "2.5"):
        path = write(tmp_path, f"[analysis]\nworkers = {bad}\n")
        with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}: workers must be"):
            build_config(path)
        with pytest.raises(ConfigError, match=re.escape(str(path))):
            resolve_workers(1, path)
    good = write(tmp_path, "[analysis]\nworkers = 2\n")
    assert resolve_workers(None, good) == 2 and resolve_workers(1, good) == 1
    assert resolve_workers(None, None) == 1


def test_a_set_rest_no_longer_than_a_pause_is_refused() -> None:
    # --set-rest 10 with --max-pause 20: a 15 s rest is part of its rep, so the set never
    # split, with nothing said.
    said = config_error(set_rest_s=10, max_pause_s=20)
    assert said == ("set_rest_s (10 s) must be longer than max_pause_s (20 s): a still gap that "
                    "short is part of its rep")
    assert build_config(set_rest_s=30, max_pause_s=20).set_rest_s == 30
