"""The country agent: one per actor, choosing its own action each day.

A `CountryAgent` holds its actor code, its index along the model's actor axes and its sourced
profile. Its decision is `sim.rules.responses.choose_response` applied to its own slice of the
model's state; a batched engine can apply the same function over many replicates at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.config import ActorProfile
from sim.rules.day import actor_view
from sim.rules.responses import choose_response

if TYPE_CHECKING:
    from sim.model import CaucasusModel


class CountryAgent(mesa.Agent):
    """One of the eight actors."""

    def __init__(self, model: CaucasusModel, profile: ActorProfile, index: int):
        super().__init__(model)
        self.actor = profile.actor
        self.profile = profile
        self.index = index

    def decide(self, draws: np.ndarray) -> tuple[int, int]:
        """Choose tomorrow's (action, target) from today's state; -1 for none.

        Args:
            draws: today's uniform draws for all actors, [n, 2]; the agent reads its row.
        """
        model = self.model
        action, target = choose_response(
            self.index,
            **actor_view(model.state, model.inputs, self.index),
            draws=draws[self.index],
        )
        return int(action), int(target)
