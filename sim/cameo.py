"""The CAMEO event scale with Goldstein scores, and the actions actors can choose.

`GOLDSTEIN` maps every CAMEO code of `sim/data/cameo_goldstein.csv` (a copy of the project's
reference table, GDELT's CAMEO -> Goldstein lookup; Goldstein 1992) to its score in
[-10, 10]. Scripted shocks may use any code on the scale; actors choose their responses from
`RESPONSES`: the seven rungs of the escalation ladder and four conciliatory acts. Array
views (`RESPONSE_GOLDSTEIN`, `RUNG_SEVERITY`) serve the vectorised rules.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources

import numpy as np


def _load_scale() -> tuple[dict[str, float], dict[str, str]]:
    scores: dict[str, float] = {}
    names: dict[str, str] = {}
    text = resources.files("sim").joinpath("data/cameo_goldstein.csv").read_text()
    for row in csv.DictReader(text.splitlines()):
        scores[row["cameo"]] = float(row["goldstein"])
        names[row["cameo"]] = row["event"]
    return scores, names


GOLDSTEIN, CAMEO_NAMES = _load_scale()


@dataclass(frozen=True, kw_only=True)
class Response:
    """One action an actor can choose: its CAMEO code, ladder rung and wording.

    `rung` is the escalation-ladder rung (1 = mildest) for hostile actions and 0 for
    conciliatory ones.
    """

    cameo: str
    rung: int
    label: str

    @property
    def goldstein(self) -> float:
        """The Goldstein score of this action's CAMEO code."""
        return GOLDSTEIN[self.cameo]


LADDER: tuple[Response, ...] = (
    Response(cameo="111", rung=1, label="denounces"),
    Response(cameo="114", rung=2, label="summons the envoy of"),
    Response(cameo="161", rung=3, label="cancels cultural events and freezes channels with"),
    Response(cameo="173", rung=4, label="detains nationals of"),
    Response(cameo="166", rung=5, label="expels diplomats of"),
    Response(cameo="163", rung=6, label="imposes sanctions on"),
    Response(cameo="190", rung=7, label="uses military force against"),
)
CALL = Response(cameo="040", rung=0, label="holds a leader-level call with")
APOLOGY = Response(cameo="055", rung=0, label="apologises to")
RELEASE = Response(cameo="0841", rung=0, label="releases detained nationals of")
AGREEMENT = Response(cameo="057", rung=0, label="signs an agreement restoring relations with")
CONCILIATORY: tuple[Response, ...] = (CALL, APOLOGY, RELEASE, AGREEMENT)
RESPONSES: tuple[Response, ...] = LADDER + CONCILIATORY

N_RUNGS = len(LADDER)
RESPONSE_INDEX: dict[str, int] = {r.cameo: i for i, r in enumerate(RESPONSES)}
CALL_ID, APOLOGY_ID, RELEASE_ID, AGREEMENT_ID = (RESPONSE_INDEX[r.cameo] for r in CONCILIATORY)
DETAIN_RUNG = RESPONSE_INDEX["173"] + 1
RELATIONS_CUT_RUNG = RESPONSE_INDEX["161"] + 1

RESPONSE_GOLDSTEIN = np.array([r.goldstein for r in RESPONSES])
#: Severity of each ladder rung: its Goldstein score as a share of the scale's extreme.
RUNG_SEVERITY = np.array([-r.goldstein / 10.0 for r in LADDER])


def ladder_rung(cameo: str) -> int:
    """The ladder rung of a CAMEO code (0 when it is not on the escalation ladder)."""
    for response in LADDER:
        if response.cameo == cameo:
            return response.rung
    return 0


def describe(cameo: str) -> str:
    """The CAMEO name of a code, e.g. '173' -> 'Arrest detain or charge with legal action'."""
    return CAMEO_NAMES[cameo]
