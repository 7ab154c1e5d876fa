"""synthetic_eval's suite and scoring helpers (benchmarks/synthetic_eval.py, issue 12).

No torch, anny, MediaPipe or rendered clips needed: the suite is pure spec maths, the
scoring helpers take truth dicts, and the truth of the new scenarios is built from the
plan and the default rest skeleton (numpy only).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import synthetic_eval as se  # noqa: E402
from repsight.render.camera import Camera, look_at  # noqa: E402
from repsight.render.motion import plan_set, pose  # noqa: E402
from repsight.render.skeleton import RestSkeleton  # noqa: E402
from repsight.render.spec import FaultSpec, RenderSpec  # noqa: E402
from repsight.render.truth import build_truth, technical_failure  # noqa: E402

# sha256 (first 16 hex) of json.dumps(spec.to_dict(), sort_keys=True) of the first suite
# (indices 0..39 of both ranges), taken before the issue-12 scenarios were added. The
# cache re-renders a clip whenever its spec dict changes, so these must never change
# (a numpy release that changed Generator streams would also show up here).
V1_SPEC_HASHES = {
    "1000_squat_side_clean": "dbb20a0a865ce8f6",
    "1001_deadlift_oblique_clean": "d449d0b659d03b6b",
    "1002_press_front_clean": "557402b2609c907d",
    "1003_curl_side_clean": "87a3a7aaf64b6bfe",
    "1004_pushup_oblique_clean": "bde3294ba54d60ac",
    "1005_squat_front_fault": "9b2c4e294cc9394c",
    "1006_deadlift_oblique_fault": "1ec00ac4f12d4827",
    "1007_press_side_fault": "8f9462cac874a6a8",
    "1008_curl_oblique_fault": "9da56a30fedd1596",
    "1009_pushup_oblique_fault": "d5f21a62aa721a08",
    "1010_squat_oblique_fatigue": "fa682222f709014d",
    "1011_deadlift_side_fatigue": "9c22ec760730b157",
    "1012_press_oblique_fatigue": "a5f0119f811da911",
    "1013_curl_side_fatigue": "0b3b221df5fe31da",
    "1014_pushup_oblique_fatigue": "d4fcba27e6c66f6b",
    "1015_squat_front_clean": "4631d164ee8c4963",
    "1016_deadlift_oblique_clean": "d5be72be4e647b11",
    "1017_press_oblique_clean": "9cda4678a52ae8c2",
    "1018_curl_front_clean": "5d88a01bc5a3d129",
    "1019_pushup_side_clean": "8497c6e6debe4f10",
    "1020_squat_oblique_fault": "c7da8689ae943be4",
    "1021_deadlift_side_fault": "35e983c0bba32424",
    "1022_press_oblique_fault": "7e6c51b4f3ad5efa",
    "1023_curl_side_fault": "4d0baab2ff1efa95",
    "1024_pushup_oblique_fault": "b921f498f1c4684c",
    "1025_squat_oblique_fatigue": "13face278b02d15f",
    "1026_deadlift_oblique_fatigue": "e5c1fdf841fad8cf",
    "1027_press_front_fatigue": "18999f62fa6ce4bc",
    "1028_curl_oblique_fatigue": "85e953176816e9ff",
    "1029_pushup_oblique_fatigue": "018e8f0f1222a3b7",
    "1030_squat_front_clean": "75cab9e1629e51de",
    "1031_deadlift_oblique_clean": "042ef7aa29ea8540",
    "1032_press_front_clean": "2fb5e5f6f493c5ad",
    "1033_curl_oblique_clean": "8b34d52f39fa514d",
    "1034_pushup_oblique_clean": "2d09698bb8f34c34",
    "1035_squat_side_fault": "e77cb782c7d391fe",
    "1036_deadlift_side_fault": "248e6907cf66f24f",
    "1037_press_front_fault": "06f9638382d2dd4e",
    "1038_curl_oblique_fault": "b2a4fe832a7b032c",
    "1039_pushup_oblique_fault": "e725ebca2c1d8ae1",
    "2000_squat_side_clean": "ee4d7772d283a377",
    "2001_deadlift_side_clean": "c4d20fd443dc1035",
    "2002_press_oblique_clean": "44e91d71ef25378c",
    "2003_curl_front_clean": "cf5de5bcdff498e1",
    "2004_pushup_oblique_clean": "cfdd512c82837fd7",
    "2005_squat_side_fault": "a96d4c8f7168576b",
    "2006_deadlift_side_fault": "2960aa8c89a1fd68",
    "2007_press_front_fault": "3055c160642f9f32",
    "2008_curl_front_fault": "5a3d12c1f8539f4c",
    "2009_pushup_oblique_fault": "12c0b44462445bbd",
    "2010_squat_oblique_fatigue": "c7d52e096dc934c5",
    "2011_deadlift_oblique_fatigue": "f9811d5e95f234c8",
    "2012_press_oblique_fatigue": "0b461084946ba59b",
    "2013_curl_oblique_fatigue": "de6fa984a2f2351d",
    "2014_pushup_side_fatigue": "88597ab9fd224ce0",
    "2015_squat_oblique_clean": "82ad9fea6ad88767",
    "2016_deadlift_side_clean": "707b25025f2e30d6",
    "2017_press_front_clean": "fab2bbc4e80f5375",
    "2018_curl_side_clean": "ef7852adca6bf64a",
    "2019_pushup_side_clean": "692e9ca83ea07004",
    "2020_squat_side_fault": "f7e920818694c8b9",
    "2021_deadlift_oblique_fault": "f226ade7841cf0e3",
    "2022_press_oblique_fault": "67311844cda18a5b",
    "2023_curl_oblique_fault": "9943fd059a7e49e6",
    "2024_pushup_side_fault": "4f74d2536141de96",
    "2025_squat_front_fatigue": "73cb2e3b25b7f34d",
    "2026_deadlift_oblique_fatigue": "a7cd496e1b0ecf95",
    "2027_press_front_fatigue": "247ac7ab9d59d440",
    "2028_curl_oblique_fatigue": "e8c2109d00455dad",
    "2029_pushup_side_fatigue": "a1660710192c4017",
    "2030_squat_side_clean": "7c7d6e2f55bd4119",
    "2031_deadlift_oblique_clean": "e71374abee0fb028",
    "2032_press_front_clean": "083aca12c9d5032a",
    "2033_curl_front_clean": "5adc3dbeeb0dc7f8",
    "2034_pushup_side_clean": "19c94ef5c5449203",
    "2035_squat_side_fault": "0abcfc73ccb225ae",
    "2036_deadlift_side_fault": "0027dc14f7a05ba2",
    "2037_press_oblique_fault": "24b220204e3694a3",
    "2038_curl_front_fault": "2dd09ef00de15aea",
    "2039_pushup_oblique_fault": "a2887488fd98ba1f",
}

REST = RestSkeleton.default()
CFG = SimpleNamespace(baseline_reps=2, effective_velocity_loss_pct=30.0)


def _hash(spec: RenderSpec) -> str:
    return hashlib.sha256(json.dumps(spec.to_dict(), sort_keys=True).encode()).hexdigest()[:16]


def _truth(spec: RenderSpec) -> dict:
    cam = Camera(look_at(np.array([0.3, 3.0, 1.0]), np.array([0.3, 0.0, 0.8])), 45.0,
                 spec.width, spec.height)
    return build_truth(plan_set(spec), REST, cam, include_frames=False)


# ---- the suite --------------------------------------------------------------------
def test_first_suite_specs_are_unchanged():
    got = {}
    for which in ("dev", "final"):
        for i, seed in enumerate(list(se.SEED_RANGES[which])[: se.V1_CLIPS]):
            name, spec = se.suite_spec(seed, i)
            got[name] = _hash(spec)
    assert len(got) == 80
    changed = sorted(n for n in V1_SPEC_HASHES if got.get(n) != V1_SPEC_HASHES[n])
    assert not changed, f"first-suite specs changed (cached clips would re-render): {changed}"


def test_new_specs_leave_the_old_dict_keys_alone():
    old = RenderSpec(exercise="curl", reps=3, fault=FaultSpec("trunk_lean", 2, 9, 3))
    d = old.to_dict()
    assert "cut_phase" not in d and "cut_fraction" not in d and "per_rep" not in d["fault"]
    new = RenderSpec(exercise="curl", reps=3, cut_phase="eccentric", cut_fraction=0.2,
                     fault=FaultSpec("trunk_lean", 1, per_rep=(12, 6, 0)))
    d2 = new.to_dict()
    assert d2["cut_phase"] == "eccentric" and d2["fault"]["per_rep"] == [12.0, 6.0, 0.0]
    assert RenderSpec.from_dict(d2) == new and RenderSpec.from_dict(d) == old
    with pytest.raises(ValueError, match="per_rep"):
        RenderSpec(exercise="curl", reps=4, fault=FaultSpec("trunk_lean", 1, per_rep=(12, 6, 0)))
    with pytest.raises(ValueError, match="cut"):
        RenderSpec(cut_phase="eccentric", failed_last_rep=True)


def test_ranges_have_at_least_60_clips_with_unique_names():
    for which in ("dev", "final"):
        clips = se.suite(which)
        assert len(clips) >= 60
        assert len({n for n, _ in clips}) == len(clips)


def test_new_scenarios_cover_every_view_and_fault():
    combos = {(ex, view, extra) for kind, ex, view, extra in se.V2_CLIPS
              if kind in ("subtle", "gross")}
    for ex, views in se.VIEWS_FOR.items():
        assert {v for k, e, v, _ in se.V2_CLIPS if e == ex} == set(views), ex
    # every technical fault the renderer models, in every view of its exercise
    expect = {("squat", v, f) for v in ("side", "front", "oblique") for f in ("trunk_lean",)}
    expect |= {("squat", v, "knee_cave") for v in ("front", "oblique")}
    expect |= {("deadlift", v, "trunk_lean") for v in ("side", "oblique")}
    expect |= {(ex, v, "trunk_lean") for ex in ("press", "curl") for v in ("side", "front", "oblique")}
    expect |= {(ex, v, "elbow_drift") for ex in ("press", "curl") for v in ("side", "oblique")}
    expect |= {("pushup", v, "hip_sag") for v in ("side", "oblique")}
    assert expect <= combos
    kinds = {k for k, *_ in se.V2_CLIPS}
    assert {"subtle", "gross", "stricter", "fatigue_only", "cut", "clean"} <= kinds


@pytest.mark.parametrize("which", ["dev", "final"])
def test_new_scenarios_have_the_promised_shape(which):
    seeds = list(se.SEED_RANGES[which])
    for i in range(se.V1_CLIPS, len(seeds)):
        kind = se.suite_kind(i)
        name, spec = se.suite_spec(seeds[i], i)
        assert RenderSpec.from_dict(spec.to_dict()) == spec
        mags = [spec.fault.magnitude(k) for k in range(1, spec.reps + 1)]
        status = technical_failure(spec.fault.kind, mags)
        if kind == "subtle":
            first = spec.fault.onset_rep
            assert 2 <= first < spec.reps and 8.0 <= mags[first - 1] <= 10.0, name
            assert all(b > a for a, b in zip(mags[first - 1:], mags[first:])), name
        elif kind == "gross":
            assert mags[spec.fault.onset_rep - 1] >= 16.0 and max(mags) <= se.GROSS_MAX + 0.5
        elif kind == "stricter":
            assert mags[0] >= 10.0 and mags[-1] == 0.0 and not any(status), name
            assert all(b <= a for a, b in zip(mags, mags[1:]))
        else:
            assert spec.fault.kind == "none" and not any(status), name
        if kind in ("subtle", "gross"):
            assert [k for k, s in enumerate(status, 1) if s] == list(
                range(spec.fault.onset_rep, spec.reps + 1)), name
        if kind == "fatigue_only":
            assert spec.tempo.fatigue > 0 and not spec.failed_last_rep
            assert se.concentric_spread(spec) <= se.FATIGUE_ONLY_MAX_LOSS + 1e-9
        assert bool(spec.cut_phase) == (kind == "cut")
        assert not spec.failed_last_rep


def test_select_filters():
    assert [n for n, _ in se.select("dev", 40)] == [n for n, _ in se.suite("dev")[40:]]
    cut = se.select("final", kinds=("cut",))
    assert cut and all("_cut_" in n for n, _ in cut)
    assert len(se.select("dev", limit=3)) == 3


def test_another_size_renders_the_same_clips_into_their_own_folder(tmp_path):
    base = se.select("dev", limit=4)
    big = se.select("dev", limit=4, size=(640, 480))
    assert [n for n, _ in big] == [n for n, _ in base]
    for (_, a), (_, b) in zip(base, big):
        assert (a.width, a.height, b.width, b.height) == (320, 240, 640, 480)
        da, db = a.to_dict(), b.to_dict()
        for k in ("width", "height"):
            da.pop(k), db.pop(k)
        assert da == db
    assert se.cache_dir("dev", str(tmp_path)) == tmp_path / "dev"
    assert se.cache_dir("dev", str(tmp_path), (320, 240)) == tmp_path / "dev"
    assert se.cache_dir("dev", str(tmp_path), (640, 480)) == tmp_path / "dev@640x480"
    assert se.parse_size("640X480") == (640, 480)
    for bad in ("640", "640x", "axb", "32x32"):
        with pytest.raises(se.argparse.ArgumentTypeError):
            se.parse_size(bad)


# ---- truth of the new scenarios -----------------------------------------------------
def test_cut_clip_truth():
    spec = RenderSpec(exercise="squat", reps=3, cut_phase="concentric", cut_fraction=0.5)
    t = _truth(spec)
    assert t["cut"]["rep"] == 3 and t["cut"]["concentric_complete"] is False
    last = t["reps"][-1]
    assert last["cut"] and not last["completed"] and last["velocity"] is None
    assert t["failed_reps"] == [] and t["n_reps"] == 3
    assert t["duration_s"] == pytest.approx(t["cut"]["time"], abs=1 / t["fps"])
    assert se.truth_tempo_failure(t, CFG) is None
    assert se.rep_count_ok(2, t) == (True, 0) and se.rep_count_ok(3, t) == (True, 0)
    assert se.rep_count_ok(4, t) == (False, 1)
    assert se.no_verdict_category(t, None) == "cut"
    # a curl cut just after the top keeps its concentric velocity
    t2 = _truth(RenderSpec(exercise="curl", reps=3, cut_phase="eccentric", cut_fraction=0.1))
    assert t2["reps"][-1]["velocity"] is not None and t2["cut"]["concentric_complete"]


def test_shrinking_and_growing_fault_truth():
    t = _truth(RenderSpec(exercise="curl", reps=4, fault=FaultSpec("trunk_lean", 1,
                                                                   per_rep=(12, 8, 4, 0))))
    assert t["technical"]["reps"] == [] and t["technical"]["fault_trend"] == "shrinking"
    assert t["fault"]["per_rep_magnitude"] == [12, 8, 4, 0]
    assert se.no_verdict_category(t, None) == "stricter"
    g = _truth(RenderSpec(exercise="pushup", reps=4, fault=FaultSpec("hip_sag", 2, 9, 3)))
    assert g["technical"]["reps"] == [2, 3, 4]
    assert [r["technical_failure"] for r in g["reps"]] == [False, True, True, True]
    assert se.no_verdict_category(g, None) is None


def test_hip_sag_drops_the_hips_below_the_body_line():
    q = np.array([0.0, 1.0])

    def below(mag):
        kp = pose("pushup", REST, q, "hip_sag", np.full(2, mag)).keypoints
        sh = 0.5 * (kp["LEFT_SHOULDER"] + kp["RIGHT_SHOULDER"])
        hip = 0.5 * (kp["LEFT_HIP"] + kp["RIGHT_HIP"])
        an = 0.5 * (kp["LEFT_ANKLE"] + kp["RIGHT_ANKLE"])
        d = sh - an
        n = np.stack([-d[:, 2], np.zeros(2), d[:, 0]], -1)
        n /= np.linalg.norm(n, axis=-1, keepdims=True)
        return -np.sum((hip - an) * n, -1)  # metres below the shoulder-ankle line

    assert below(20.0)[1] > below(0.0)[1] + 0.05  # sags at the bottom
    assert below(20.0)[0] == pytest.approx(below(0.0)[0], abs=1e-6)  # none at the top


# ---- scoring helpers ----------------------------------------------------------------
def test_technical_failure_rule():
    assert technical_failure("trunk_lean", [0, 0, 9, 12]) == [False, False, True, True]
    assert technical_failure("elbow_drift", [12, 8, 4, 0]) == [False] * 4  # stricter
    assert technical_failure("trunk_lean", [10, 10, 10]) == [False] * 3  # from rep 1
    assert technical_failure("short_rom", [0, 0.3, 0.4]) == [False, None, None]
    assert technical_failure("knee_cave", [0, 9, 12], cut_rep=3) == [False, True, None]
    assert technical_failure("none", [0, 0]) == [False, False]


def test_truth_technical_falls_back_for_old_truth_files():
    old = {"fault": {"kind": "trunk_lean", "per_rep_magnitude": [0.0, 14.0, 20.0]},
           "reps": [{"rep": 1}, {"rep": 2}, {"rep": 3}]}
    assert se.truth_technical(old) == [False, True, True]
    assert se.cut_rep(old) is None


def test_technical_counts_ignore_neutral_reps():
    status = [False, True, True, None]
    assert se.technical_counts(status, {2, 3}) == (2, 0, 0)
    assert se.technical_counts(status, {1, 4}) == (0, 1, 2)  # the call on rep 4 is neutral
    assert se.technical_counts(status, {3, -1}) == (1, 1, 1)  # -1: an unmatched rep
    assert se.technical_counts([False] * 3, set()) == (0, 0, 0)


def test_f1():
    p, r, f = se.f1(6, 2, 2)
    assert (p, r) == (0.75, 0.75) and f == pytest.approx(0.75)
    assert se.f1(0, 0, 3)[2] == 0.0
    assert np.isnan(se.f1(0, 0, 0)[2])


def test_first_rep_scores():
    assert se.first_rep_scores(None, []) is None
    assert se.first_rep_scores(3, [3, 4]) == (True, True)
    assert se.first_rep_scores(3, [4]) == (False, True)
    assert se.first_rep_scores(3, [5]) == (False, False)
    assert se.first_rep_scores(3, []) == (False, False)
    assert se.first_rep_scores(None, [2]) == (False, False)


def _fake_truth(v, completed=None, kind="none", mags=None, fatigue=0.0, cut=None):
    n = len(v)
    completed = completed or [True] * n
    reps = [{"rep": k, "completed": c, "velocity": None if x is None else
             {"concentric_mean_mps": x}} for k, (x, c) in enumerate(zip(v, completed), 1)]
    return {"reps": reps, "n_reps": n, "cut": cut,
            "fault": {"kind": kind, "per_rep_magnitude": mags or [0.0] * n},
            "spec": {"tempo": {"fatigue": fatigue}}}


def test_truth_tempo_failure_and_velocity_loss():
    t = _fake_truth([0.50, 0.52, 0.45, 0.36])
    loss = se.truth_velocity_loss(t, 2)
    assert loss[1] == pytest.approx(0.0) and loss[3] == pytest.approx(100 * (1 - 0.36 / 0.52))
    assert se.truth_tempo_failure(t, CFG) == 4
    assert se.truth_tempo_failure(_fake_truth([0.5, 0.5, 0.45]), CFG) is None
    failed = _fake_truth([0.5, 0.5, 0.45], completed=[True, True, False])
    assert se.truth_tempo_failure(failed, CFG) == 3 and se.failed_reps(failed) == [3]
    # a rep the clip cuts off is not a failed rep, and has no velocity
    cut = _fake_truth([0.5, 0.5, None], completed=[True, True, False], cut={"rep": 3})
    assert se.truth_velocity_loss(cut, 2)[2] is None
    assert se.truth_tempo_failure(cut, CFG) is None and se.failed_reps(cut) == []


def test_no_verdict_categories():
    assert se.no_verdict_category(_fake_truth([0.5] * 3), None) == "clean"
    fat = _fake_truth([0.5, 0.48, 0.45], fatigue=0.04)
    assert se.no_verdict_category(fat, None) == "fatigue_no_tempo_failure"
    assert se.no_verdict_category(fat, 3) is None  # a tempo failure is due
    stricter = _fake_truth([0.5] * 4, kind="trunk_lean", mags=[12, 8, 4, 0])
    assert se.no_verdict_category(stricter, None) == "stricter"
    growing = _fake_truth([0.5] * 3, kind="trunk_lean", mags=[0, 9, 12])
    assert se.no_verdict_category(growing, None) is None
    short = _fake_truth([0.5] * 3, kind="short_rom", mags=[0, 0.3, 0.4])
    assert se.no_verdict_category(short, None) is None


def test_tally_merge():
    a, b = se.Tally(), se.Tally()
    a.tech_tp, b.tech_tp = 1, 2
    a.con_ms.append(10.0)
    b.con_ms.append(20.0)
    b.no_verdict["clean"] = [0, 1]
    b.missing.add("x")
    a.merge(b)
    assert a.tech_tp == 3 and a.con_ms == [10.0, 20.0] and a.no_verdict == {"clean": [0, 1]}
    assert a.missing == {"x"}


def test_a_verdict_on_a_rep_the_analyser_list_lacks_is_scored_by_its_frames():
    # Three true reps, the third failed; the analyser counted two and found the stalled
    # third afterwards (a concentric verdict with rep_index 3 that no analysed rep has).
    true_reps = [{"rep": 1, "start": 0.4, "end": 2.9}, {"rep": 2, "start": 3.2, "end": 5.8},
                 {"rep": 3, "start": 6.0, "end": 8.0}]
    t = np.arange(0, 9, 1 / 30)
    to_true = {1: 1, 2: 2}
    on_third = SimpleNamespace(rep_index=3, evidence={"frames": [int(6.1 * 30), int(7.2 * 30)]})
    assert se.verdict_true_rep(on_third, to_true, true_reps, t) == 3
    # a matched rep goes through the match, whatever its frames say
    matched = SimpleNamespace(rep_index=2, evidence={"frames": [0, 10]})
    assert se.verdict_true_rep(matched, to_true, true_reps, t) == 2
    # no match and no frames: scored as no rep at all
    assert se.verdict_true_rep(SimpleNamespace(rep_index=5, evidence={}), to_true, true_reps, t) == -1


def test_faults_a_camera_barely_shows_are_neutral_in_the_seen_scores() -> None:
    status = [False, True, True, True]
    seen = se.visible_status(status, [0.0, 3.5, 8.0, 12.0])
    assert seen == [False, None, True, True]
    # no visible measure (None) keeps the truth's status
    assert se.visible_status(status, [None] * 4) == status
    # a call from rep 3 on misses rep 2, unless rep 2's fault was too small to see
    assert se.first_technical_exact(status, [3, 4]) is False
    assert se.first_technical_exact(seen, [3, 4]) is True
    # a call on a neutral rep is skipped: the next call is the one scored
    assert se.first_technical_exact(seen, [2, 3]) is True
    assert se.first_technical_exact(seen, []) is False
    assert se.first_technical_exact([False, None], [2]) is None


def test_pose_cache_keeps_the_scene_meta_and_refreshes_the_first_format(tmp_path, monkeypatch) -> None:
    # Shot detection reads the sequence's meta: a cached run must see what a fresh one does.
    from repsight import pose as pose_mod
    from repsight.types import PoseSequence

    t = np.arange(5) / 30.0
    fresh = PoseSequence(image=np.zeros((5, 33, 5), np.float32), world=np.zeros((5, 33, 3), np.float32),
                         timestamps_s=t, fps=30.0, width=64, height=48, source="x.mp4",
                         meta={"scene": {"people": [{"t": 0.1, "bodies": [[0.5, 0.5, 0.3]]}]}})
    calls = []
    monkeypatch.setattr(pose_mod, "extract_pose", lambda path: calls.append(path) or fresh)
    mp4 = tmp_path / "clip.mp4"
    npz = tmp_path / "clip.pose.npz"
    # The benchmark's first format: arrays only, no meta.
    np.savez_compressed(npz, image=fresh.image, world=fresh.world, t=t, fps=30.0, size=np.array([64, 48]))
    first = se.load_pose(mp4)
    assert calls == [mp4] and first.meta == fresh.meta
    again = se.load_pose(mp4)
    assert calls == [mp4]  # read from the cache this time
    assert again.meta == fresh.meta
    np.testing.assert_array_equal(again.timestamps_s, t)
