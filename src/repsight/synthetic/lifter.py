"""Seeded synthetic squat sets with metric truth, seen from the side or the front.

Complements `synthetic.stick` (side views of every profile) with what the velocity and
verdict stage needs on top: a front view, knee cave, a stalled (failed) rep, per-rep
eccentric speed-ups, body proportions that differ from the anthropometric table, and
world landmarks consistent with the image. A stick-figure lifter moves in metres; image
landmarks are its orthographic projection at a known px/m (so velocity truth is exact);
world landmarks are the same body hip-centred in MediaPipe's axes (x right, y down).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..landmarks import LM, NUM_LANDMARKS
from ..scale import SEGMENT_SHARE_OF_HEIGHT
from ..types import PoseSequence, Rep
from .planning import PerRep, ease, per_rep, plan_set, schedule


@dataclass(frozen=True)
class SquatTruth:
    """A synthetic set and what is true about it."""

    seq: PoseSequence
    reps: tuple[Rep, ...]
    px_per_m: float
    height_m: float
    mean_velocity_mps: np.ndarray  # per rep, hip, concentric
    peak_velocity_mps: np.ndarray
    rom_m: np.ndarray
    concentric_s: np.ndarray
    eccentric_s: np.ndarray
    faults: dict = field(default_factory=dict)
    hip_height_m: np.ndarray = field(default_factory=lambda: np.zeros(0))  # clean, per frame

    def frame_velocity_mps(self) -> np.ndarray:
        """Per-rep mean concentric velocity over the truth reps' own frames (no noise).

        Differs from mean_velocity_mps (exact times) by the frame quantisation of the phase
        boundaries: up to about one frame of the concentric's duration.
        """
        t = self.seq.timestamps_s
        return np.array([(self.hip_height_m[b] - self.hip_height_m[a]) / (t[b] - t[a])
                         for a, b in (r.concentric for r in self.reps)])


def make_squat_set(*, n_reps: int = 8, view: str = "side", fps: float = 30.0,
                   px_per_m: float = 250.0, height_m: float = 1.78, depth_m: float = 0.40,
                   eccentric_s: PerRep = 1.0, concentric_s: PerRep = 0.7,
                   bottom_pause_s: float = 0.1, top_pause_s: float = 0.6,
                   trunk_lean_deg: PerRep = 0.0, knee_cave_deg: PerRep = 0.0,
                   rom_share: PerRep = 1.0, failed_rep: int | None = None, noise_px: float = 0.8,
                   proportions_jitter: float = 0.0, lead_s: float = 1.0, tail_s: float = 1.0,
                   size: tuple[int, int] = (1280, 720), seed: int = 0) -> SquatTruth:
    """A squat set; per-rep arguments accept a scalar or a sequence of n_reps values.

    trunk_lean_deg / knee_cave_deg: extra lean / medial knee shift reached at the bottom of
    each rep (degrees). rom_share: share of depth_m reached. failed_rep: 1-based rep whose
    concentric stalls at 40 % of the way up and is lowered back (the set ends there).
    proportions_jitter: relative random change of segment lengths from the table's shares.
    """
    rng = np.random.default_rng(seed)
    plans = plan_set(n_reps, eccentric_s=eccentric_s, bottom_pause_s=bottom_pause_s,
                     concentric_s=concentric_s, top_pause_s=top_pause_s, rom_share=rom_share)
    share = np.array([p.rom_share for p in plans])
    lean, cave = (per_rep(x, n_reps, name) for x, name in
                  ((trunk_lean_deg, "trunk_lean_deg"), (knee_cave_deg, "knee_cave_deg")))
    jit = 1 + proportions_jitter * rng.uniform(-1, 1, 3)
    shank = SEGMENT_SHARE_OF_HEIGHT["shank"] * height_m * jit[0]
    thigh = SEGMENT_SHARE_OF_HEIGHT["thigh"] * height_m * jit[1]
    trunk = SEGMENT_SHARE_OF_HEIGHT["trunk"] * height_m * jit[2]
    upper, fore = SEGMENT_SHARE_OF_HEIGHT["upper_arm"] * height_m, SEGMENT_SHARE_OF_HEIGHT["forearm"] * height_m
    a0 = np.radians(4.0)
    h_stand = (shank + thigh) * np.cos(a0)

    # --- timeline of depth progress p (0 standing, 1 bottom) sampled at the frame times
    n_rep_run = failed_rep if failed_rep is not None else n_reps
    timings = schedule(plans[:n_rep_run], start_s=lead_s, eccentric_first=True)
    moves: list[tuple[float, float, float, float]] = []  # (start, duration, p_from, p_to)
    marks = []  # per rep: times of start, ecc end, bottom end, con end, end
    total = lead_s
    for i, tm in enumerate(timings):
        s, last = share[i], i == n_rep_run - 1
        moves += [(tm.start, tm.plan.eccentric_s, 0.0, s),
                  (tm.first_end, tm.plan.bottom_pause_s, s, s)]
        if failed_rep is not None and last:
            stall = s * 0.6  # rises 40 % of the way, then sinks back
            sink_start = tm.second_end + 0.5
            sink_end = sink_start + 0.8
            moves += [(tm.second_start, tm.plan.concentric_s, s, stall),
                      (tm.second_end, 0.5, stall, stall), (sink_start, 0.8, stall, s),
                      (sink_end, tail_s, s, s)]
            marks.append([tm.start, tm.first_end, tm.second_start, tm.second_end, sink_end])
            total = sink_end + tail_s
        else:
            # The last rep's standing pause runs into the tail; it ends halfway through
            # what would have been its top pause.
            moves += [(tm.second_start, tm.plan.concentric_s, s, 0.0),
                      (tm.second_end, tail_s if last else tm.plan.top_pause_s, 0.0, 0.0)]
            end = tm.second_end + top_pause_s / 2 if last else tm.next_start
            marks.append([tm.start, tm.first_end, tm.second_start, tm.second_end, end])
            total = tm.second_end + tail_s
    n = int(np.floor(total * fps))
    times = np.arange(n) * (1.0 / fps)
    p = np.zeros(n)
    rep_of = np.full(n, -1)
    for start, dur, p0, p1 in moves:
        sel = (times >= start) & (times < start + dur)
        p[sel] = p0 + (p1 - p0) * ease((times[sel] - start) / dur if dur > 0 else np.zeros(sel.sum()))
    for i, m in enumerate(marks):
        rep_of[(times >= m[0]) & (times < m[-1])] = i

    # --- body in metres: X forward, Y up, Z to the lifter's left
    hip_y = h_stand - depth_m * p
    a = np.arccos(np.clip(hip_y / (shank + thigh), -1, 1))
    c = np.zeros(n)
    f_lean = np.zeros(n)
    for i in range(n_rep_run):
        sel = rep_of == i
        c[sel] = np.radians(cave[i]) * p[sel] / max(share[i], 1e-6)
        f_lean[sel] = np.radians(lean[i]) * p[sel] / max(share[i], 1e-6)
    knee_x = shank * np.sin(a)
    hip_x = knee_x - thigh * np.sin(a)
    gamma = np.radians(8.0) + 0.7 * (a - a0) + f_lean  # trunk leans forward with depth
    sh_x, sh_y = hip_x + trunk * np.sin(gamma), hip_y + trunk * np.cos(gamma)
    pts = np.zeros((n, NUM_LANDMARKS, 3))

    def put(lm, x, y, z):
        pts[:, lm, 0], pts[:, lm, 1], pts[:, lm, 2] = x, y, z

    for sgn, side in ((1, "LEFT"), (-1, "RIGHT")):
        put(LM[f"{side}_ANKLE"], 0.0, 0.08, sgn * 0.13)
        put(LM[f"{side}_HEEL"], -0.06, 0.04, sgn * 0.13)
        put(LM[f"{side}_FOOT_INDEX"], 0.16, 0.02, sgn * 0.15)
        # Knees track out over the toes; a cave pulls them towards the midline.
        put(LM[f"{side}_KNEE"], knee_x, 0.08 + shank * np.cos(a),
            sgn * (0.13 + 0.06 * np.sin(a) - thigh * np.sin(c)))
        put(LM[f"{side}_HIP"], hip_x, 0.08 + hip_y, sgn * 0.09)
        put(LM[f"{side}_SHOULDER"], sh_x, 0.08 + sh_y, sgn * 0.18)
        # Arms held straight forward at shoulder height (air squat counterbalance).
        put(LM[f"{side}_ELBOW"], sh_x + upper, 0.08 + sh_y - 0.02, sgn * 0.18)
        put(LM[f"{side}_WRIST"], sh_x + upper + fore, 0.08 + sh_y - 0.04, sgn * 0.17)
        for k in ("PINKY", "INDEX", "THUMB"):
            put(LM[f"{side}_{k}"], sh_x + upper + fore + 0.06, 0.08 + sh_y - 0.04, sgn * 0.16)
        put(LM[f"{side}_EYE"], sh_x + 0.10, 0.08 + sh_y + 0.22, sgn * 0.03)
        put(LM[f"{side}_EYE_INNER"], sh_x + 0.10, 0.08 + sh_y + 0.22, sgn * 0.02)
        put(LM[f"{side}_EYE_OUTER"], sh_x + 0.09, 0.08 + sh_y + 0.22, sgn * 0.045)
        put(LM[f"{side}_EAR"], sh_x + 0.0, 0.08 + sh_y + 0.20, sgn * 0.075)
    put(LM.NOSE, sh_x + 0.12, 0.08 + sh_y + 0.19, 0.0)
    put(LM.MOUTH_LEFT, sh_x + 0.10, 0.08 + sh_y + 0.15, 0.025)
    put(LM.MOUTH_RIGHT, sh_x + 0.10, 0.08 + sh_y + 0.15, -0.025)

    # --- projection: orthographic at px_per_m; lifter centred, feet near the bottom
    w, h = size
    if view == "side":
        u = w * 0.45 + pts[:, :, 0] * px_per_m
        depth = -pts[:, :, 2]  # the lifter's left side faces the camera
    elif view == "front":
        u = w * 0.5 + pts[:, :, 2] * px_per_m  # facing the camera: their left is image right
        depth = -pts[:, :, 0]
    else:
        raise ValueError(f"view must be side or front, got {view!r}")
    v = h * 0.92 - pts[:, :, 1] * px_per_m
    u = u + rng.normal(0, noise_px, u.shape)
    v = v + rng.normal(0, noise_px, v.shape)
    image = np.zeros((n, NUM_LANDMARKS, 5), dtype=np.float32)
    image[:, :, 0], image[:, :, 1] = u / w, v / h
    image[:, :, 2] = depth
    vis = np.full(NUM_LANDMARKS, 0.95)
    if view == "side":
        right = [m.value for m in LM if m.name.startswith("RIGHT_")]
        vis[right] = 0.3  # the far side is hidden behind the near one
    image[:, :, 3] = vis
    image[:, :, 4] = 0.99
    hip_mid = pts[:, [LM.LEFT_HIP, LM.RIGHT_HIP]].mean(axis=1, keepdims=True)
    rel = pts - hip_mid
    if view == "side":
        world = np.stack([rel[..., 0], -rel[..., 1], -rel[..., 2]], axis=-1)
    else:
        world = np.stack([rel[..., 2], -rel[..., 1], -rel[..., 0]], axis=-1)
    world = world + rng.normal(0, 0.004, world.shape)
    seq = PoseSequence(image=image, world=world.astype(np.float32), timestamps_s=times,
                       fps=float(fps), width=w, height=h, source=f"synthetic-squat-{view}-{seed}")

    # --- truth reps and velocities
    def frame(tm: float) -> int:
        return int(min(max(round(tm * fps), 0), n - 1))

    reps = []
    mv, pv, rom, cs, es = [], [], [], [], []
    for i, m in enumerate(marks):
        failed = failed_rep is not None and i == failed_rep - 1
        st, e1, b1, c1, en = (frame(x) for x in m)
        reps.append(Rep(index=i + 1, start=st, end=en, turnaround=e1 + (b1 - e1) // 2,
                        eccentric=(st, e1), concentric=(b1, c1), eccentric_first=True,
                        rom=depth_m * share[i], rom_share=0.4 if failed else share[i] / max(share.max(), 1e-9),
                        partial=bool(share[i] < 0.8 * share.max()), completed=not failed))
        d = depth_m * share[i] * (0.4 if failed else 1.0)
        con = plans[i].concentric_s
        mv.append(d / con); pv.append(d * np.pi / (2 * con)); rom.append(d)
        cs.append(con); es.append(plans[i].eccentric_s)
    return SquatTruth(seq=seq, reps=tuple(reps), px_per_m=px_per_m, height_m=height_m,
                      mean_velocity_mps=np.array(mv), peak_velocity_mps=np.array(pv),
                      rom_m=np.array(rom), concentric_s=np.array(cs), eccentric_s=np.array(es),
                      faults={"trunk_lean_deg": lean, "knee_cave_deg": cave, "rom_share": share},
                      hip_height_m=hip_y)
