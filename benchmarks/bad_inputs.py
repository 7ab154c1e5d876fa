#!/usr/bin/env python
"""Bad and awkward inputs: build a corpus in a temp folder, run the CLI on each, print a table.

Every case must end in exit code 0 (a result, perhaps with warnings) or exit code 1 with
one clear line; never a traceback. The table shows input -> command -> exit -> outcome.

    .venv/bin/python benchmarks/bad_inputs.py              # all cases, lite model
    .venv/bin/python benchmarks/bad_inputs.py --quick      # only the fast cases
    .venv/bin/python benchmarks/bad_inputs.py --keep DIR   # keep the corpus in DIR

The generated files live in a temp folder only (clips from ../shared are cut and
composited there, never copied into the project). Cases that need ../shared or the
`ffmpeg` command are skipped with a note when those are absent.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED_VIDEOS = ROOT.parent / "shared" / "videos"
PERSON_CLIP = "squat_bodyweight_side_plain.mp4"
SECOND_PERSON_CLIP = "curl_dumbbell_side.mp4"


class Skip(Exception):
    """A case cannot be built here (no ffmpeg, no ../shared)."""


@dataclass
class Case:
    """One input and what the CLI must do with it.

    expect: "ok" (exit 0; `needle` in the warnings/output when given) or "error" (exit 1,
    one line containing `needle`). commands: which CLI commands to run on it.
    """

    name: str
    path: Path
    expect: dict[str, str]  # command -> "ok" | "error"
    needle: dict[str, str] = field(default_factory=dict)  # command -> expected text
    output: Path | None = None  # -o for extract (default: a fresh file in the out dir)
    quick: bool = True
    note: str = ""
    extra: list[str] = field(default_factory=list)  # more options for extract


# ------------------------------------------------------------------------ generators

def ffmpeg(*args: str) -> None:
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise Skip("needs the ffmpeg command")
    subprocess.run([exe, "-v", "error", "-y", *args], check=True)


def shared(name: str) -> Path:
    path = SHARED_VIDEOS / name
    if not path.is_file():
        raise Skip(f"needs ../shared/videos/{name}")
    return path


def write_frames(path: Path, frames, *, fps: float = 30.0, times=None,
                 faststart: bool = True, crf: int = 28) -> Path:
    """Encode an iterable of RGB frames as H.264 (streaming; nothing is held)."""
    import av

    opts = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), mode="w", options=opts) as out:
        stream = None
        for i, rgb in enumerate(frames):
            if stream is None:
                h, w = rgb.shape[:2]
                stream = out.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
                stream.width, stream.height, stream.pix_fmt = w - w % 2, h - h % 2, "yuv420p"
                stream.options = {"preset": "ultrafast", "crf": str(crf)}
                stream.codec_context.time_base = Fraction(1, 90000)
            frame = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(rgb[:stream.height, :stream.width]), format="rgb24")
            t = times[i] if times is not None else i / fps
            frame.pts = int(round(t * 90000))
            frame.time_base = Fraction(1, 90000)
            for packet in stream.encode(frame):
                out.mux(packet)
        if stream is not None:
            for packet in stream.encode():
                out.mux(packet)
    return path


def moving_square(n: int, size=(160, 96)):
    w, h = size
    for i in range(n):
        frame = np.full((h, w, 3), 40, dtype=np.uint8)
        x = int((w - 20) * i / max(n - 1, 1))
        frame[10:30, x:x + 20] = (250, 200, 30)
        yield frame


def person_frames(name: str, start: int, n: int, size: tuple[int, int] | None = None):
    """n frames of a shared clip from frame `start`, optionally resized (streaming)."""
    import cv2

    from repsight.video import VideoReader

    for k, frame in enumerate(VideoReader(shared(name), max_long_side=640)):
        if k < start:
            continue
        if k >= start + n:
            return
        yield cv2.resize(frame.rgb, size) if size else frame.rgb


def make_zero_byte(d: Path) -> Path:
    p = d / "zero_bytes.mp4"
    p.write_bytes(b"")
    return p


def make_text_as_mp4(d: Path) -> Path:
    p = d / "notes.mp4"
    p.write_text("squat 3x5 @ 100 kg, felt heavy on the last rep\n" * 40)
    return p


def make_truncated(d: Path, fraction: float, faststart: bool) -> Path:
    src = write_frames(d / f"whole_{'fast' if faststart else 'slow'}.mp4",
                       moving_square(90), faststart=faststart)
    data = src.read_bytes()
    p = d / f"cut{int(fraction * 100)}_{'faststart' if faststart else 'moov_at_end'}.mp4"
    p.write_bytes(data[: int(len(data) * fraction)])
    return p


def make_still_png(d: Path) -> Path:
    import cv2

    p = d / "photo.png"
    cv2.imwrite(str(p), np.full((120, 160, 3), 128, np.uint8))
    return p


def make_still_jpg_as_mp4(d: Path) -> Path:
    import cv2

    p = d / "photo_renamed.mp4"
    ok, buf = cv2.imencode(".jpg", np.full((120, 160, 3), 128, np.uint8))
    p.write_bytes(buf.tobytes())
    return p


def make_audio_only(d: Path) -> Path:
    import av

    p = d / "voice_memo.m4a"
    with av.open(str(p), mode="w", format="mp4") as out:
        stream = out.add_stream("aac", rate=44100)
        t = np.arange(44100) / 44100
        tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        n = stream.codec_context.frame_size or 1024
        for k in range(0, len(tone) - n, n):
            frame = av.AudioFrame.from_ndarray(tone[None, k:k + n], format="fltp",
                                               layout="mono")
            frame.sample_rate = 44100
            frame.pts = k
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return p


def make_one_frame(d: Path) -> Path:
    return write_frames(d / "one_frame.mp4", moving_square(1))


def make_no_person(d: Path) -> Path:
    return write_frames(d / "empty_room.mp4", moving_square(45))


def make_zero_frames(d: Path) -> Path:
    p = d / "no_frames.mkv"
    ffmpeg("-f", "lavfi", "-i", "color=c=black:s=64x64:r=30", "-frames:v", "0",
           "-c:v", "libx264", str(p))
    return p


def make_leave_reenter(d: Path) -> Path:
    """Person 1.5 s, empty (black) frames 1 s, person again 1.5 s."""
    def frames():
        yield from person_frames(PERSON_CLIP, 0, 45)
        first = next(person_frames(PERSON_CLIP, 0, 1))
        for _ in range(30):
            yield np.zeros_like(first)
        yield from person_frames(PERSON_CLIP, 120, 45)

    return write_frames(d / "leaves_and_returns.mp4", frames())


def make_two_people(d: Path) -> Path:
    """Two shared clips side by side, 1.5 s."""
    def frames():
        a = person_frames(PERSON_CLIP, 0, 45, size=(480, 272))
        b = person_frames(SECOND_PERSON_CLIP, 0, 45, size=(480, 272))
        for fa, fb in zip(a, b):
            yield np.hstack([fa, fb])

    return write_frames(d / "two_people.mp4", frames())


def make_composed(kind: str, d: Path) -> Path:
    """A camera cut mid-set, a 4-scene montage, two people side by side, a swaying
    hand-held camera or a zooming one (issue 13), built from ../shared/videos by
    benchmarks/composed_clips.py."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from composed_clips import BUILDERS, MissingClip

    try:
        return BUILDERS[kind](d).path
    except MissingClip as exc:
        raise Skip(str(exc)) from None


def make_rotated(d: Path, quick: bool) -> Path:
    """A landscape-encoded clip with rotation metadata, as phones write portrait video."""
    if quick:
        src = write_frames(d / "rot_src.mp4", moving_square(20))
    else:
        import cv2

        # A portrait crop around the lifter (204x362), stored lying on its side as a
        # phone held upright stores it; the metadata turns it back for display.
        src = write_frames(d / "rot_src.mp4",
                           (cv2.rotate(np.ascontiguousarray(f[:, 256:460]),
                                       cv2.ROTATE_90_COUNTERCLOCKWISE)
                            for f in person_frames(PERSON_CLIP, 0, 45)))
    p = d / ("rotated_portrait_small.mp4" if quick else "rotated_portrait.mp4")
    ffmpeg("-i", str(src), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(p))
    return p


def make_vfr(d: Path) -> Path:
    rng = np.random.default_rng(7)
    times = np.cumsum(rng.choice([1 / 30, 1 / 60, 1 / 15], size=40))
    return write_frames(d / "variable_rate.mp4", moving_square(40), times=list(times - times[0]))


def make_240fps(d: Path, quick: bool) -> Path:
    if quick:
        return write_frames(d / "slowmo_240fps_small.mp4", moving_square(120), fps=240)
    return write_frames(d / "slowmo_240fps.mp4", person_frames(PERSON_CLIP, 0, 120), fps=240)


def make_4k(d: Path, quick: bool) -> Path:
    import cv2

    n = 3 if quick else 10
    src = moving_square(n) if quick else person_frames(PERSON_CLIP, 0, n)
    return write_frames(d / ("uhd_4k_small.mp4" if quick else "uhd_4k.mp4"),
                        (cv2.resize(f, (3840, 2160)) for f in src))


def make_animated_gif(d: Path, frames: int = 10) -> Path:
    import av

    p = d / ("animation.gif" if frames > 1 else "still.gif")
    with av.open(str(p), mode="w") as out:
        stream = out.add_stream("gif", rate=10)
        stream.width, stream.height, stream.pix_fmt = 160, 96, "rgb8"
        for i, rgb in enumerate(moving_square(frames)):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return p


def make_non_ascii(d: Path) -> Path:
    return write_frames(d / "присед тест ✓ 週.mp4", moving_square(20))


def make_unreadable(d: Path) -> Path:
    p = write_frames(d / "no_permission.mp4", moving_square(10))
    p.chmod(0)
    return p


def make_garbage_middle(d: Path) -> Path:
    src = write_frames(d / "garble_src.mp4", moving_square(60))
    data = bytearray(src.read_bytes())
    rng = np.random.default_rng(1)
    mid = len(data) // 2
    data[mid:mid + 400] = rng.integers(0, 256, 400, dtype=np.uint8).tobytes()
    p = d / "garbled_middle.mp4"
    p.write_bytes(bytes(data))
    return p


# --------------------------------------------------------------------------- corpus

@dataclass
class Plan:
    """How to make one input and what to expect of it (see Case)."""

    name: str
    make: Callable[[Path], Path]
    expect: dict[str, str]
    needle: dict[str, str] = field(default_factory=dict)
    quick: bool = True
    note: str = ""
    output: Callable[[Path], Path] | None = None
    extra: list[str] = field(default_factory=list)  # more CLI options for extract


ERR = {"info": "error", "extract": "error"}
OK = {"info": "ok", "extract": "ok"}


def _both(text: str) -> dict[str, str]:
    return {"info": text, "extract": text}


def plans() -> list[Plan]:
    """Every case, quick ones first; makers take the corpus folder."""
    root = os.geteuid() == 0
    out: list[Plan] = [
        Plan("zero-byte file", make_zero_byte, ERR, _both("0 bytes")),
        Plan("text renamed .mp4", make_text_as_mp4, ERR, _both("not a video")),
    ]
    for frac in (0.05, 0.5, 0.9):
        out.append(Plan(f"truncated at {frac:.0%}, moov at end",
                        lambda d, frac=frac: make_truncated(d, frac, faststart=False), ERR,
                        _both("corrupt or truncated")))
    out.append(Plan("truncated at 5%, faststart", lambda d: make_truncated(d, 0.05, True),
                    ERR, _both("corrupt or truncated")))
    for frac in (0.5, 0.9):
        out.append(Plan(f"truncated at {frac:.0%}, faststart",
                        lambda d, frac=frac: make_truncated(d, frac, faststart=True), OK,
                        {"extract": "truncated"}))
    out += [
        Plan("garbage bytes mid-stream", make_garbage_middle, OK, {"extract": "damaged"}),
        Plan("still image (.png)", make_still_png, ERR, _both("still image")),
        Plan("JPEG renamed .mp4", make_still_jpg_as_mp4, ERR, _both("still image")),
        Plan("single-frame GIF", lambda d: make_animated_gif(d, 1), ERR, _both("still image")),
        Plan("animated GIF", make_animated_gif, OK, {"extract": "10 frames"}),
        Plan("audio-only file", make_audio_only, ERR, _both("no video stream")),
        Plan("zero-frame video (.mkv)", make_zero_frames, ERR, _both("no frames")),
        Plan("one-frame video", make_one_frame, OK, {"extract": "1 frames"}),
        Plan("clip with no person", make_no_person, OK, {"extract": "no person"}),
        Plan("variable frame rate", make_vfr, OK,
             {"info": "variable", "extract": "variable frame rate"}),
        Plan("rotated portrait (metadata), tiny", lambda d: make_rotated(d, True), OK,
             {"info": "96x160"}),
        Plan("240 fps slow motion, tiny", lambda d: make_240fps(d, True), OK,
             {"extract": "high frame rate"}),
        Plan("4K 3840x2160, 3 frames", lambda d: make_4k(d, True), OK,
             {"info": "3840x2160", "extract": "3 frames"}),
        Plan("non-ASCII file name", make_non_ascii, OK),
        Plan("folder instead of a file", lambda d: d, ERR, _both("folder")),
        Plan("path under a missing folder", lambda d: d / "no_such_dir" / "clip.mp4", ERR,
             _both("not found")),
        Plan("chmod 000 file", make_unreadable, OK if root else ERR,
             {} if root else _both("permission"),
             note="run as root, which file modes do not stop" if root else ""),
        Plan("output whose parent is a file", make_no_person, {"extract": "error"},
             {"extract": "cannot write"}, output=lambda d: make_text_as_mp4(d) / "poses.npz"),
        Plan("output under /proc", make_no_person, {"extract": "error"},
             {"extract": "cannot write"}, output=lambda d: Path("/proc/repsight_poses.npz")),
        Plan("output is a folder", make_no_person, {"extract": "error"},
             {"extract": "folder"}, output=lambda d: d),
        Plan("cache folder is a file", make_no_person, {"extract": "ok"},
             {"extract": "could not write pose cache"},
             extra=["--cache-dir", "{corpus}/notes.mp4"]),
        # Cases that run the model on real people (../shared) or bigger frames.
        Plan("person leaves and re-enters", make_leave_reenter, OK,
             {"extract": "left the frame"}, quick=False),
        Plan("two people side by side", make_two_people, OK, quick=False),
        # Real footage as people film it (issue 13): analyze names cuts and other people.
        Plan("camera cut mid-set (zoom, darker)", lambda d: make_composed("cut", d), OK, quick=False),
        Plan("montage of 4 scenes", lambda d: make_composed("montage", d), OK, quick=False),
        Plan("two people side by side, 6 s", lambda d: make_composed("two_people", d), OK,
             quick=False),
        Plan("hand-held camera swaying, 12 s", lambda d: make_composed("hand_held", d), OK,
             quick=False),
        Plan("still bystander beside a squatter, 11 s", lambda d: make_composed("still_spotter", d), OK,
             {"extract": "followed instead on the part of the picture"}, quick=False),
        Plan("camera zooming in mid-set, 12 s", lambda d: make_composed("zooming", d), OK,
             quick=False),
        Plan("rotated portrait with a person", lambda d: make_rotated(d, False), OK,
             {"info": "204x362", "extract": "45 frames, person found on 100"}, quick=False),
        Plan("240 fps slow motion, person", lambda d: make_240fps(d, False), OK,
             {"extract": "high frame rate"}, quick=False),
        Plan("4K 3840x2160 with a person, 10 frames", lambda d: make_4k(d, False), OK, quick=False),
    ]
    return out


def build_case(plan: Plan, d: Path) -> Case:
    """Make one plan's input in folder d (raises Skip when it cannot be made here)."""
    d.mkdir(parents=True, exist_ok=True)
    path = plan.make(d)
    case = Case(plan.name, path, dict(plan.expect), dict(plan.needle),
                plan.output(d) if plan.output else None, plan.quick, plan.note)
    case.extra = [a.replace("{corpus}", str(d)) for a in plan.extra]
    return case


def build_corpus(d: Path, *, quick_only: bool = False) -> tuple[list[Case], list[str]]:
    """Make the inputs in folder d; returns the cases and notes on skipped cases."""
    cases: list[Case] = []
    skipped: list[str] = []
    for plan in plans():
        if quick_only and not plan.quick:
            continue
        try:
            cases.append(build_case(plan, d))
        except Skip as exc:
            skipped.append(f"{plan.name}: skipped ({exc})")
    return cases, skipped


# --------------------------------------------------------------------------- running

# Commands that read a video; analyze and annotate are judged like extract (they fail on
# the same inputs, and succeed, perhaps with warnings, on the rest).
COMMANDS = ("info", "extract", "analyze", "annotate")


def expectation(case: Case, command: str) -> tuple[str | None, str | None]:
    """(want, needle) for a command: want is "ok", "error" or None (not run)."""
    if command in ("info", "extract"):
        return case.expect.get(command), case.needle.get(command)
    want = case.expect.get("extract")
    if command == "analyze" and case.output is not None:
        return None, None  # an output-path case: analyze writes no file
    # Error messages come from the same video layer; warnings may be worded differently.
    return want, case.needle.get("extract") if want == "error" else None


def cli_args(case: Case, command: str, out_dir: Path, model: str) -> list[str]:
    cache = case.extra or ["--no-cache"]
    stem = f"{abs(hash(case.name)) % 10**8}"
    if command == "extract":
        out = case.output or out_dir / f"{stem}.npz"
        return ["extract", str(case.path), "-o", str(out), "-q", "--model", model, *cache]
    if command == "annotate":
        out = out_dir / f"{stem}.mp4"
        if case.output is not None:
            out = case.output if case.output.is_dir() else case.output.with_suffix(".mp4")
        return ["annotate", str(case.path), "-o", str(out), "-q", "--model", model, *cache]
    if command == "analyze":
        return ["analyze", str(case.path), "-q", "--model", model, *cache]
    return [command, str(case.path)]


def judge(case: Case, command: str, code: int, text: str) -> str:
    """'ok' when the outcome meets the rules and the case's expectation, else why not."""
    if "Traceback" in text:
        return "BAD: traceback"
    if code not in (0, 1):
        return f"BAD: exit {code}"
    want, needle = expectation(case, command)
    if code == 1 and text.strip().count("\n") != 0:
        return "BAD: error is not one line"
    if want == "ok" and code != 0:
        return "unexpected error"
    if want == "error" and code != 1:
        return "unexpected success"
    if needle and needle.lower() not in text.lower():
        return f"missing {needle!r}"
    return "ok"


def summary_of(code: int, stdout: str, stderr: str) -> str:
    if code != 0:
        lines = (stderr.strip() or stdout.strip()).splitlines()
        return lines[0] if len(lines) == 1 else " / ".join(lines[:3]) + (" ..." if len(lines) > 3 else "")
    warnings = [ln[len("warning: "):] for ln in stderr.splitlines() if ln.startswith("warning:")]
    first = stdout.strip().splitlines()[:1]
    main = first[0] if first else ""
    if main.startswith("file "):  # `info`: show size and fps lines instead of the path
        rows = {ln.split(None, 1)[0]: ln.split(None, 1)[1] for ln in stdout.splitlines()
                if len(ln.split(None, 1)) == 2}
        main = f"{rows.get('size', '')}; {rows.get('fps', '')} fps; {rows.get('frames', '')} frames"
    elif " -> " in main:
        main = main.split(" -> ")[0]
    return main + ("".join(f" | warning: {w}" for w in warnings))


def available_commands() -> list[str]:
    from repsight.cli import main as cli_main

    return [c for c in COMMANDS if c in cli_main.commands]


def run_corpus(cases: list[Case], out_dir: Path, *, model: str = "lite"):
    commands = available_commands()
    rows = []
    for case in cases:
        for command in commands:
            if expectation(case, command)[0] is None:
                continue
            args = cli_args(case, command, out_dir, model)
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "repsight", *args],
                                  capture_output=True, text=True)
            seconds = time.perf_counter() - t0
            text = proc.stdout + proc.stderr
            verdict = judge(case, command, proc.returncode, text)
            rows.append((case.name, command, proc.returncode,
                         summary_of(proc.returncode, proc.stdout, proc.stderr), verdict,
                         seconds, case.note))
    return rows


def print_table(rows, skipped: list[str]) -> None:
    print("| input | command | exit | outcome (one-line error, or result and warnings) "
          "| check | s |")
    print("|---|---|---|---|---|---|")
    for name, command, code, outcome, verdict, seconds, note in rows:
        outcome = outcome.replace("|", "/") if "warning" not in outcome else outcome
        outcome = outcome.replace(" | warning", "; warning")
        if note:
            outcome += f" ({note})"
        print(f"| {name} | {command} | {code} | {outcome} | {verdict} | {seconds:.1f} |")
    for s in skipped:
        print(f"- {s}")
    bad = [r for r in rows if r[4] != "ok"]
    print(f"\n{len(rows)} runs, {len(rows) - len(bad)} as expected, {len(bad)} not"
          + (": " + "; ".join(f"{r[0]} ({r[1]}): {r[4]}" for r in bad) if bad else ""))


# ------------------------------------------------------------------ misuse scenarios (issue 17)
#
# Each scenario builds its own sandbox (a folder of inputs, perhaps a results folder and
# files "elsewhere"), runs the CLI in its own session, and checks what must always hold:
# no traceback, exit 0 or 1 with one line on error, no hang (a timeout), no process
# left in its process group, inputs byte-identical, and nothing written outside the
# places the command may write. Its own `check` adds what the scenario is about.

SCENARIO_TIMEOUT_S = 120


@dataclass
class Run:
    """One CLI run inside a scenario."""

    code: int | None  # None: it hung and was killed
    stdout: str
    stderr: str
    seconds: float
    orphans: list[int]

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


def _group_members(pgid: int) -> list[int]:
    pids = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            pids.append(int(stat_file.parent.name))
    return pids


def run_cli(args: list[str], *, cwd: Path, timeout: float = SCENARIO_TIMEOUT_S,
            signal_after: tuple[Callable[[], bool], int, bool] | None = None) -> Run:
    """Run `repsight ARGS` in a new session; signal_after=(ready, signal, to_group)."""
    import signal as sig

    t0 = time.perf_counter()
    # The child gets the default Ctrl-C handling by inheriting it through exec, set here
    # while it starts: a handler set after the fork (preexec_fn) can hang on a lock another
    # thread held at the fork.
    before = sig.signal(sig.SIGINT, sig.SIG_DFL)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "repsight", *args], cwd=cwd, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
    finally:
        if before is not None:
            sig.signal(sig.SIGINT, before)
    try:
        if signal_after is not None:
            ready, signum, group = signal_after
            while not ready() and proc.poll() is None and time.perf_counter() - t0 < timeout:
                time.sleep(0.1)
            (os.killpg if group else os.kill)(proc.pid, signum)
        out, err = proc.communicate(timeout=timeout)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, sig.SIGKILL)
        out, err = proc.communicate()
        code = None
    seconds = time.perf_counter() - t0
    orphans = _group_members(proc.pid)
    for _ in range(30):
        if not orphans:
            break
        time.sleep(0.1)
        orphans = _group_members(proc.pid)
    for pid in orphans:
        with contextlib.suppress(OSError):
            os.kill(pid, sig.SIGKILL)
    return Run(code, out, err, seconds, orphans)


def _snapshot(folder: Path) -> dict[str, str]:
    """Path -> sha256 (or the link target, or 'dir') of everything under folder."""
    import hashlib

    snap = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_symlink():
            snap[rel] = "-> " + os.readlink(p)
        elif p.is_dir():
            snap[rel] = "dir"
        elif p.is_file():
            snap[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            snap[rel] = "special"
    return snap


@dataclass
class Scenario:
    """A misuse of the CLI and what must come of it.

    build(d) makes the sandbox in d and returns the runs to make: a list of
    (cli args, may_write) where may_write lists the folders (relative to d) the command
    may change; check(d, runs) returns "" when the outcome is right, else why not.
    """

    name: str
    kind: str  # the issue's heading: inputs, results, cache, lifecycle, csv, config, batch, video
    build: Callable[[Path], list[tuple[list[str], list[str]]]]
    check: Callable[[Path, list[Run]], str]
    expect: str = "error"  # "ok": exit 0; "error": exit 1, one line; "any": either; "killed"
    quick: bool = True
    signal_after: Callable[[Path], tuple[Callable[[], bool], int, bool]] | None = None


def _judge_run(run: Run, expect: str) -> str:
    if run.code is None:
        return f"BAD: hung (killed after {SCENARIO_TIMEOUT_S} s)"
    if "Traceback" in run.text:
        return "BAD: traceback"
    if run.orphans:
        return f"BAD: {len(run.orphans)} process(es) left behind"
    if "\x1b" in run.text:
        return "BAD: raw escape code printed"
    if expect == "killed":  # SIGKILL: nothing runs after it; no orphans is what counts
        return "ok" if run.code == -9 else f"BAD: exit {run.code}"
    if run.code not in (0, 1):
        return f"BAD: exit {run.code}"
    if run.code == 1 and run.stderr.strip().count("\n") != 0 and expect != "any":
        return "BAD: error is not one line"
    if expect == "ok" and run.code != 0:
        return "unexpected error"
    if expect == "error" and run.code != 1:
        return "unexpected success"
    return "ok"


def run_scenario(sc: Scenario, d: Path) -> tuple[str, str, str, float]:
    """(exit codes, outcome, verdict, seconds) of one scenario built in folder d."""
    d.mkdir(parents=True, exist_ok=True)
    try:
        steps = sc.build(d)
    except Skip as exc:
        return "-", f"skipped ({exc})", "ok", 0.0
    runs: list[Run] = []
    verdict = "ok"
    for args, may_write in steps:
        if args == "CALL":  # edit the results between runs (the crafted part)
            may_write()
            continue
        if args == "DAMAGE":
            _damage_cache(d, may_write)
            continue
        before = _snapshot(d)
        signal_after = sc.signal_after(d) if sc.signal_after else None
        run = run_cli(args, cwd=d, signal_after=signal_after)
        runs.append(run)
        after = _snapshot(d)
        touched = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)
                         and not any(k == w or k.startswith(w + "/") for w in may_write))
        verdict = _judge_run(run, sc.expect)
        if verdict == "ok" and touched:
            verdict = f"BAD: touched {', '.join(touched[:3])}"
        if verdict != "ok":
            break
    if verdict == "ok":
        verdict = sc.check(d, runs) or "ok"
    last = runs[-1]
    lines = (last.stderr.strip() or last.stdout.strip()).splitlines()
    outcome = (lines[0] if last.code else " / ".join(lines[-2:])) if lines else ""
    codes = ",".join("hang" if r.code is None else str(r.code) for r in runs)
    return codes, outcome[:160], verdict, sum(r.seconds for r in runs)


def _video(d: Path, name: str = "clip.mp4", n: int = 20) -> Path:
    (d / "in").mkdir(exist_ok=True)
    return write_frames(d / "in" / name, moving_square(n))


def _has(words: str, *, run: int = -1) -> Callable[[Path, list[Run]], str]:
    return lambda d, runs: "" if words.lower() in runs[run].text.lower() else f"missing {words!r}"


def _all(*checks: Callable[[Path, list[Run]], str]) -> Callable[[Path, list[Run]], str]:
    return lambda d, runs: next((why for c in checks if (why := c(d, runs))), "")


Q = ["-q", "--model", "lite", "--no-cache"]


def _onto_input(flag: str) -> Callable[[Path], list]:
    def build(d: Path) -> list:
        v = str(_video(d))
        cmd = {"annotate -o": ["annotate", v, "-o", v], "extract -o": ["extract", v, "-o", v]}
        args = cmd.get(flag) or ["analyze", v, flag, v]
        return [(args + Q, [])]
    return build


def _link_to_input(kind: str) -> Callable[[Path], list]:
    def build(d: Path) -> list:
        v = _video(d)
        alias = d / "in" / "alias.mp4"
        os.link(v, alias) if kind == "hard" else alias.symlink_to(v)
        return [(["annotate", str(v), "-o", str(alias), *Q], [])]
    return build


def _batch_force_manifest(d: Path) -> list:
    _video(d, "squat.mp4")
    (d / "elsewhere").mkdir()
    (d / "elsewhere" / "thesis.txt").write_text("precious")
    first = (["batch", "in", "-o", "res", *Q], ["res"])

    def tamper() -> None:
        m_path = d / "res" / "squat" / "manifest.json"
        m = json.loads(m_path.read_text())
        m["outputs"] = {"../../elsewhere/thesis.txt": {"size": 8},
                        str(d / "elsewhere" / "thesis.txt"): {"size": 8}}
        m_path.write_text(json.dumps(m))

    return [first, (["batch", "in", "-o", "res", "--force", "--goal", "power", *Q], ["res"])], tamper


def _batch_linked_clip_dir(d: Path) -> list:
    _video(d, "squat.mp4")
    (d / "elsewhere").mkdir()
    (d / "res").mkdir()
    (d / "res" / "squat").symlink_to(d / "elsewhere", target_is_directory=True)
    return [(["batch", "in", "-o", "res", "--force", *Q], ["res/summary.csv", "res/.repsight-batch.lock", "res/.repsight-batch"])]


def _batch_fifo_manifest(d: Path) -> list:
    _video(d, "squat.mp4")
    (d / "res" / "squat").mkdir(parents=True)
    os.mkfifo(d / "res" / "squat" / "manifest.json")
    return [(["batch", "in", "-o", "res", *Q], ["res/summary.csv", "res/.repsight-batch.lock", "res/.repsight-batch"])]


def _batch_fifo_lock(d: Path) -> list:
    _video(d, "squat.mp4")
    (d / "res").mkdir()
    os.mkfifo(d / "res" / ".repsight-batch.lock")
    return [(["batch", "in", "-o", "res", *Q], [])]


def _damaged_cache(how: str) -> Callable[[Path], list]:
    def build(d: Path) -> list:
        v = str(_video(d))
        cache = ["-q", "--model", "lite", "--cache-dir", "cache"]
        return [(["extract", v, "-o", "p1.npz", *cache], ["cache", "p1.npz"]),
                ("DAMAGE", how),
                (["extract", v, "-o", "p2.npz", *cache], ["cache", "p2.npz"])]
    return build


def _damage_cache(d: Path, how: str) -> None:
    (entry,) = (d / "cache").glob("*.npz")
    data = bytearray(entry.read_bytes())
    if how == "truncated":
        entry.write_bytes(bytes(data[: len(data) // 2]))
    elif how == "bit-flipped":
        for k in range(len(data) // 3, len(data) // 3 + 64, 8):
            data[k] ^= 0x10
        entry.write_bytes(bytes(data))
    else:
        entry.write_bytes(b"")


def _batch_stop(signum_name: str, group: bool):
    def build(d: Path) -> list:
        for k in range(3):
            (d / "in").mkdir(exist_ok=True)
            write_frames(d / "in" / f"clip{k}.mp4", moving_square(240))
        return [(["batch", "in", "-o", "res", "--workers", "2", "-q", "--model", "lite",
                  "--no-cache"], ["res"])]

    def signal_after(d: Path):
        import signal as sig

        return (lambda: bool(list((d / "res").glob("*/manifest.json"))),
                getattr(sig, signum_name), group)

    return build, signal_after


def _finished_whole(d: Path, runs: list[Run]) -> str:
    for m_path in (d / "res").glob("*/manifest.json"):
        m = json.loads(m_path.read_text())
        if m.get("complete") and not all((m_path.parent / n).stat().st_size == v["size"]
                                         for n, v in m["outputs"].items()):
            return f"BAD: {m_path.parent.name} complete but damaged"
    return ""


def _summary_cells_safe(d: Path, runs: list[Run]) -> str:
    import csv

    with open(d / "res" / "summary.csv", newline="") as fh:
        clips = [r["clip"] for r in csv.DictReader(fh)]
    bad = [c for c in clips if c[:1] in "=+-@\t\r"]
    return f"BAD: formula cell {bad[0]!r}" if bad else ("" if clips else "no rows")


def _batch_names(names: list[str]) -> Callable[[Path], list]:
    def build(d: Path) -> list:
        for n in names:
            _video(d, n)
        return [(["batch", "in", "-o", "res", *Q], ["res"])]
    return build


def _config(text: str | None, special: str | None = None) -> Callable[[Path], list]:
    def build(d: Path) -> list:
        v = str(_video(d))
        cfg = special or "c.toml"
        if text is not None:
            (d / cfg).write_text(text)
        return [(["analyze", v, "--config", cfg, *Q], []),
                (["batch", "in", "-o", "res", "--config", cfg, *Q], [])]
    return build


def _fifo_in_batch(d: Path) -> list:
    _video(d, "squat.mp4")
    os.mkfifo(d / "in" / "pipe.mp4")
    return [(["batch", "in", "-o", "res", *Q], ["res"])]


def _only_exts(exts: list[str]) -> Callable[[Path], list]:
    def build(d: Path) -> list:
        (d / "in").mkdir()
        for e in exts:
            if e in (".m2ts", ".ogv"):
                ffmpeg("-f", "lavfi", "-i", "testsrc=s=160x120:r=25", "-frames:v", "10",
                       *(["-c:v", "libtheora"] if e == ".ogv" else []), str(d / "in" / f"a{e}"))
            else:
                (d / "in" / f"a{e}").write_bytes(b"\0" * 64)
        return [(["batch", "in", "-o", "res", *Q], ["res"])]
    return build


def _results_is_input(where: str) -> Callable[[Path], list]:
    def build(d: Path) -> list:
        _video(d, "squat.mp4")
        out = "in" if where == "same" else "."
        return [(["batch", "in", "-o", out, *Q], [])]
    return build


def _video_variant(kind: str) -> Callable[[Path], list]:
    def build(d: Path) -> list:
        (d / "in").mkdir()
        src = write_frames(d / "src.mp4", moving_square(90))
        out = d / "in" / f"{kind}.mp4"
        if kind == "second_stream":
            ffmpeg("-i", str(src), "-i", str(src), "-map", "0:v", "-map", "1:v", "-c", "copy",
                   str(out))
        elif kind == "stream_copy_cut":
            ffmpeg("-ss", "1.1", "-i", str(src), "-t", "1.2", "-c", "copy", str(out))
        elif kind == "one_pixel":
            ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=2x2:r=30", "-frames:v", "30",
                   "-vf", "scale=1:1", "-c:v", "libx264", "-pix_fmt", "yuv444p", str(out))
        src.unlink()
        cmd = "annotate" if kind == "one_pixel" else "analyze"
        extra = ["-o", "out.mp4"] if cmd == "annotate" else []
        return [([cmd, str(out), *extra, *Q], ["out.mp4"])]
    return build


def _escape_names(d: Path) -> list:
    _video(d, "evil\x1b[2J\x1b[31mred.mp4")
    (d / "in" / "notes\x1b]0;pwned\x07.mp4").write_text("not a video")
    return [(["batch", "in", "-o", "res", *Q], ["res"])]


def scenarios() -> list[Scenario]:
    """Every misuse case of issue 17, grouped by the kind the issue names."""

    out: list[Scenario] = []
    refused = _has("refusing to write")
    for flag in ("annotate -o", "extract -o", "--json", "--csv", "--plot", "--annotate"):
        out.append(Scenario(f"output {flag} is the input", "inputs", _onto_input(flag), refused))
    for kind in ("hard", "symbolic"):
        out.append(Scenario(f"output is a {kind} link to the input", "inputs",
                            _link_to_input(kind), refused))

    def analyze_out(target: str, extra: tuple = ()) -> Callable[[Path], list]:
        return lambda d: [(["analyze", str(_video(d)), "--json", target, *extra, *Q], [])]

    out += [
        Scenario("--json -", "inputs", analyze_out("-"), _has("standard output")),
        Scenario("--json /dev/stdout", "inputs", analyze_out("/dev/stdout"),
                 _has("device or system file")),
        Scenario("output name of 245 bytes (temp name too long)", "inputs",
                 analyze_out("n" * 245 + ".json"), _has("too long")),
        Scenario("--json and --csv the same file", "inputs",
                 analyze_out("same.json", ("--csv", "same.json")), _has("same file")),
        Scenario("batch --force, manifest lists ../../ and absolute paths", "results",
                 _batch_force_manifest, _all(_has("outside the clip's results folder"),
                                             lambda d, r: "" if (d / "elsewhere" / "thesis.txt")
                                             .read_text() == "precious" else "BAD: deleted"),
                 expect="ok"),
        Scenario("clip results folder is a link outside", "results", _batch_linked_clip_dir,
                 _has("left untouched")),
        Scenario("manifest.json is a FIFO", "results", _batch_fifo_manifest,
                 _has("did not record")),
        Scenario("the results folder's lock file is a FIFO", "results", _batch_fifo_lock,
                 _has("not repsight's lock file")),
    ]
    for how in ("truncated", "bit-flipped", "empty"):
        out.append(Scenario(f"pose cache entry {how}", "cache", _damaged_cache(how),
                            _has("discarded a damaged pose-cache entry"), expect="ok"))
    for name, signame, group in (("Ctrl-C (SIGINT to the group)", "SIGINT", True),
                                 ("SIGTERM to the batch", "SIGTERM", False),
                                 ("SIGKILL to the batch", "SIGKILL", False)):
        build, signal_after = _batch_stop(signame, group)
        out.append(Scenario(f"batch stopped by {name}", "lifecycle", build,
                            _all(_finished_whole, (lambda d, r: "" if signame == "SIGKILL"
                                                   else _has("interrupted")(d, r))),
                            expect="killed" if signame == "SIGKILL" else "error",
                            quick=False, signal_after=signal_after))
    out += [
        Scenario("clip names that are spreadsheet formulas", "csv",
                 _batch_names(['=HYPERLINK("https:x.example","open").mp4', "+1.mp4",
                               "@SUM(A1).mp4", "-2.mp4"]), _summary_cells_safe, expect="ok"),
        Scenario("clip names with terminal escape codes", "csv", _escape_names,
                 _has("\\x1b"), expect="any"),
        Scenario("--config /dev/zero", "config", _config(None, "/dev/zero"),
                 _has("not a regular file")),
        Scenario("config nested 5000 deep", "config",
                 _config("extra = " + "[" * 5000 + "]" * 5000 + "\n"), _has("nested")),
        Scenario("baseline_reps = 2.5", "config", _config("baseline_reps = 2.5\n"),
                 _has("whole number")),
        Scenario("extra value nan", "config", _config("[extra]\nload = nan\n"),
                 _has("finite number")),
        Scenario("extra value a date", "config", _config("[extra]\nday = 2024-05-01\n"),
                 _has("dates as text")),
        Scenario("min rep duration above the max", "config",
                 _config("min_rep_duration_s = 5\nmax_rep_duration_s = 3\n"),
                 _has("must be below")),
        Scenario("a FIFO among the clips", "batch", _fifo_in_batch,
                 _has("skipped pipe.mp4: not a regular file"), expect="ok"),
        Scenario("results folder is the input folder", "batch", _results_is_input("same"),
                 _has("is the input folder")),
        Scenario("input folder inside the results folder", "batch",
                 _results_is_input("parent"), _has("inside the results folder")),
        Scenario("folder of only .m2ts and .ogv", "batch", _only_exts([".m2ts", ".ogv"]),
                 _has("2 clips"), expect="ok"),
        Scenario("folder of only unknown types", "batch", _only_exts([".xyz", ".braw"]),
                 _has("hint: no videos found"), expect="ok"),
        Scenario("clip names colliding with results (squat.mp4 + squat/, manifest.mp4)",
                 "batch", _batch_collisions, lambda d, r: "" if (
                     d / "res" / "manifest" / "manifest_clip.json").is_file() else "missing",
                 expect="ok"),
        Scenario("second video stream", "video", _video_variant("second_stream"),
                 lambda d, r: "", expect="any"),
        Scenario("clip cut with stream copy", "video", _video_variant("stream_copy_cut"),
                 lambda d, r: "", expect="any"),
        Scenario("annotate a 1x1 video", "video", _video_variant("one_pixel"),
                 lambda d, r: "", expect="any"),
    ]
    return out


def _batch_collisions(d: Path) -> list:
    _video(d, "squat.mp4")
    (d / "in" / "squat").mkdir()
    write_frames(d / "in" / "squat" / "a.mp4", moving_square(20))
    _video(d, "manifest.mp4")
    return [(["batch", "in", "-o", "res", *Q], ["res"]),
            (["batch", "in", "-o", "res", *Q], ["res"])]


def expanded(sc: Scenario) -> Scenario:
    """The scenario with a (steps, tamper) build turned into run, tamper, run again."""
    def build(sandbox: Path) -> list:
        steps = sc.build(sandbox)
        if isinstance(steps, tuple):
            (first, second), tamper = steps
            return [first, ("CALL", tamper), second]
        return steps

    return dataclasses.replace(sc, build=build)


def run_scenarios(d: Path, *, quick_only: bool = False) -> list[tuple]:
    """Run every scenario in its own folder under d; rows for print_scenarios."""
    rows = []
    for k, sc in enumerate(scenarios()):
        if quick_only and not sc.quick:
            continue
        rows.append((sc.kind, sc.name, *run_scenario(expanded(sc), d / f"s{k:02d}")))
    return rows


def print_scenarios(rows: list[tuple]) -> None:
    print("\n| kind | misuse | exit | outcome | check | s |")
    print("|---|---|---|---|---|---|")
    for kind, name, codes, outcome, verdict, seconds in rows:
        shown = outcome.replace("|", "/").replace("\x1b", "\\x1b")
        print(f"| {kind} | {name} | {codes} | {shown} | {verdict} | {seconds:.1f} |")
    bad = [r for r in rows if r[4] != "ok"]
    print(f"\n{len(rows)} misuse scenarios, {len(rows) - len(bad)} as expected, {len(bad)} not"
          + (": " + "; ".join(f"{r[1]}: {r[4]}" for r in bad) if bad else ""))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="only the fast cases")
    ap.add_argument("--model", default="lite", choices=["lite", "full", "heavy"])
    ap.add_argument("--keep", type=Path, default=None, help="build the corpus in this folder")
    ap.add_argument("--scenarios-only", action="store_true",
                    help="only the misuse scenarios (outputs, results folders, caches, signals)")
    ap.add_argument("--no-scenarios", action="store_true", help="only the input corpus")
    args = ap.parse_args(argv)
    rows: list = []
    misuse: list = []
    with tempfile.TemporaryDirectory(prefix="repsight_bad_") as tmp_name:
        d = args.keep or Path(tmp_name)
        if not args.scenarios_only:
            t0 = time.perf_counter()
            cases, skipped = build_corpus(d, quick_only=args.quick)
            print(f"# repsight bad inputs, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
                  f"model {args.model}, {len(cases)} inputs built in "
                  f"{time.perf_counter() - t0:.1f} s; commands: {', '.join(available_commands())}")
            rows = run_corpus(cases, d / "out", model=args.model)
            print_table(rows, skipped)
            for case in cases:  # let the temp folder be removed
                if case.path.is_file() and not os.access(case.path, os.W_OK):
                    case.path.chmod(0o644)
        if not args.no_scenarios:
            misuse = run_scenarios(d / "scenarios", quick_only=args.quick)
            print_scenarios(misuse)
    return 0 if all(r[4] == "ok" for r in rows) and all(r[4] == "ok" for r in misuse) else 1


if __name__ == "__main__":
    sys.exit(main())
