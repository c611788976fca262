"""The country agent: one per actor, showing its own part of the run's state.

A `CountryAgent` lives in the model's agent set and holds its actor code, its index along the
model's actor axes and its sourced profile. Its state (its trust in each actor, its grievances,
the rungs it stands on, whose nationals it holds, and the action it has chosen for tomorrow)
is a read-only view onto the arrays of the model's day loop (`sim.core.Simulation`), where
every actor's choice is made at once by the same rule as in the ensemble engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from sim.actors import ACTORS, Actor
from sim.config import ActorProfile
from sim.rules.responses import NO_ACTION
from sim.rules.shapes import read_only

if TYPE_CHECKING:
    from sim.model import CaucasusModel


class CountryAgent(mesa.Agent):
    """One of the eight actors."""

    def __init__(self, model: CaucasusModel, profile: ActorProfile, index: int):
        super().__init__(model)
        self.actor: Actor = profile.actor
        self.profile = profile
        self.index = index

    @property
    def trust(self) -> np.ndarray:
        """Its trust in each actor, [n] (read-only)."""
        return read_only(self.model.state.trust[self.index])

    @property
    def grievances(self) -> np.ndarray:
        """Its grievance against each actor, [n] (read-only)."""
        return read_only(self.model.state.grievance[self.index])

    @property
    def standing(self) -> np.ndarray:
        """The (fading) ladder rung it stands on against each actor, [n] (read-only)."""
        return read_only(self.model.state.standing[self.index])

    @property
    def holding(self) -> np.ndarray:
        """Whether it holds detained nationals of each actor, [n] (read-only)."""
        return read_only(self.model.state.holding[self.index])

    @property
    def chosen(self) -> tuple[int, Actor | None]:
        """The response it chose for tomorrow (an index into `sim.cameo.RESPONSES`, -1: none) and its target."""
        action = int(self.model.simulation.actions[self.index])
        target = int(self.model.simulation.targets[self.index])
        return action, (ACTORS[target] if action != NO_ACTION else None)

    @staticmethod
    def reporters() -> dict[str, Callable[[CountryAgent], Any]]:
        """Agent reporters for Mesa's DataCollector, read each day for each actor."""
        return {
            "actor": lambda agent: agent.actor.value,
            "max_grievance": lambda agent: float(agent.grievances.max()),
            "max_standing": lambda agent: float(agent.standing.max()),
            "holds_nationals": lambda agent: bool(agent.holding.any()),
            "chosen_action": lambda agent: agent.chosen[0],
        }
