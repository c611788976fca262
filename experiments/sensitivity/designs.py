"""Design kinds: how each samples its points, how many it has, what its config may say and what analyses it.

`DESIGNS` holds one `DesignKind` per `[design] kind` a sweep config may name, in the order the
config's documentation and error messages list them. A design kind's methods take the design
table as resolved: `dataclasses.asdict` of a `DesignSpec`, which is also the manifest's
`sweep.design` (kind, samples, second_order, levels, seed). A new kind is a subclass registered
in `DESIGNS`; it names the `SensitivityMethod` that analyses it (a design without indices of its
own, like a grid or a Latin hypercube, uses Spearman's rank correlation).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from experiments.sensitivity.methods import MORRIS, MORRIS_LEVELS, SOBOL, SPEARMAN, SensitivityMethod
from sim.errors import ConfigError

if TYPE_CHECKING:
    from experiments.sweep_config import ParameterSpec

COUNT_WORDS = {2: "two", 3: "three"}


class DesignKind(ABC):
    """A kind of sweep design.

    Attributes:
        kind: its name in a sweep config (`[design] kind`).
        method: the sensitivity method that analyses it.
        samples_meaning: what `samples` counts (None: the design takes no `samples`).
        options: the optional `[design]` keys it takes besides `samples` and `seed`.
        min_parameters: the fewest parameters it can vary.
        chunked: whether its points can be made a block of rows at a time (`sample_rows`); the
            others are sampled whole by SALib, in memory (the sweep's size ceiling guards it).
    """

    kind: ClassVar[str]
    method: ClassVar[SensitivityMethod]
    samples_meaning: ClassVar[str | None]
    options: ClassVar[frozenset[str]] = frozenset()
    min_parameters: ClassVar[int] = 1
    chunked: ClassVar[bool] = False

    @abstractmethod
    def sample(
        self, problem: dict[str, Any], design: Mapping[str, Any], parameters: Sequence[ParameterSpec]
    ) -> np.ndarray:
        """The design points, one row per point in the order its analyser expects, one column per parameter.

        Args:
            problem: the SALib problem (names and bounds).
            design: the design table as resolved.
            parameters: the varied parameters, in the problem's order.
        """

    def n_points(self, design: Mapping[str, Any], parameters: Sequence[ParameterSpec]) -> int:
        """How many points the design has (without sampling it)."""
        return design["samples"] * self.points_per_sample(len(parameters), design)

    def sample_rows(
        self, design: Mapping[str, Any], parameters: Sequence[ParameterSpec], start: int, stop: int
    ) -> np.ndarray:
        """Points `start` to `stop` (exclusive) of the design, made without the others (only if `chunked`)."""
        raise NotImplementedError(f"the {self.kind} design is sampled whole")

    def points_per_sample(self, n_parameters: int, design: Mapping[str, Any]) -> int | None:
        """Points per unit of `samples` (a design's size is a multiple of it); None when the size has no such unit."""
        return 1

    @abstractmethod
    def describe(self, design: Mapping[str, Any]) -> str:
        """The design in words, for the report (without its seed)."""

    def read_options(self, samples: int | None, second_order: bool, levels: int | None, source: str) -> int | None:
        """Check a config's `[design]` options against this kind (ConfigError naming the key); the levels it uses."""
        if self.samples_meaning is not None and samples is None:
            raise ConfigError(
                source, "design.samples", f"missing; the {self.kind} design needs its number of {self.samples_meaning}"
            )
        if second_order and "second_order" not in self.options:
            only = kinds_taking("second_order")
            raise ConfigError(source, "design.second_order", f"only the {only} design has second-order indices")
        if levels is not None and "levels" not in self.options:
            raise ConfigError(source, "design.levels", f"only the {kinds_taking('levels')} design takes levels")
        return levels

    def check_parameter(self, parameter: ParameterSpec, source: str, key: str) -> None:
        """Refuse (ConfigError at `key`) a parameter this design cannot vary: here, one not given as a range."""
        if parameter.values is not None or parameter.levels is not None:
            raise ConfigError(source, key, f"the {self.kind} design samples a range: give min and max only")

    def check_parameter_count(self, count: int, source: str) -> None:
        """Refuse (ConfigError) fewer parameters than the design can analyse."""
        if count < self.min_parameters:
            words = COUNT_WORDS.get(self.min_parameters, str(self.min_parameters))
            raise ConfigError(source, "parameters", f"the {self.kind} design needs at least {words} parameters")


class FullFactorial(DesignKind):
    """Every combination of each parameter's values (a grid); analysed by Spearman's rho."""

    kind = "full_factorial"
    method = SPEARMAN
    samples_meaning = None
    chunked = True

    def sample(
        self, problem: dict[str, Any], design: Mapping[str, Any], parameters: Sequence[ParameterSpec]
    ) -> np.ndarray:
        """Every combination, the last parameter varying fastest (`itertools.product`'s order)."""
        return self.sample_rows(design, parameters, 0, self.n_points(design, parameters))

    def sample_rows(
        self, design: Mapping[str, Any], parameters: Sequence[ParameterSpec], start: int, stop: int
    ) -> np.ndarray:
        """Combinations `start` to `stop` (exclusive), by index arithmetic: point i's digits in mixed radix."""
        grids = [np.asarray(grid_values(p), dtype=float) for p in parameters]
        index = np.arange(start, stop, dtype=np.int64)
        matrix = np.empty((len(index), len(grids)))
        for column in reversed(range(len(grids))):  # the last parameter is the fastest digit
            index, digit = np.divmod(index, len(grids[column]))
            matrix[:, column] = grids[column][digit]
        return matrix

    def n_points(self, design: Mapping[str, Any], parameters: Sequence[ParameterSpec]) -> int:
        """The product of the parameters' numbers of values (exact: a Python integer, however large)."""
        return math.prod(len(grid_values(p)) for p in parameters)

    def points_per_sample(self, n_parameters: int, design: Mapping[str, Any]) -> int | None:
        """None: a grid's size is the product of its parameters' values."""
        return None

    def describe(self, design: Mapping[str, Any]) -> str:
        """'full factorial grid'."""
        return "full factorial grid"

    def read_options(self, samples: int | None, second_order: bool, levels: int | None, source: str) -> int | None:
        """As any design, but `samples` is refused: the points are all combinations."""
        if samples is not None:
            raise ConfigError(source, "design.samples", f"not used by {self.kind} (its points are all combinations)")
        return super().read_options(samples, second_order, levels, source)

    def check_parameter(self, parameter: ParameterSpec, source: str, key: str) -> None:
        """Refuse a parameter given as a bare range: the grid needs its values or levels."""
        if parameter.values is None and parameter.levels is None:
            raise ConfigError(source, key, f"{self.kind} needs values = [...] or min, max and levels")


class LatinHypercube(DesignKind):
    """`samples` points of a Latin hypercube (`SALib.sample.latin`); analysed by Spearman's rho."""

    kind = "latin_hypercube"
    method = SPEARMAN
    samples_meaning = "points"

    def sample(
        self, problem: dict[str, Any], design: Mapping[str, Any], parameters: Sequence[ParameterSpec]
    ) -> np.ndarray:
        """SALib's Latin hypercube sample."""
        from SALib.sample import latin

        return latin.sample(problem, design["samples"], seed=design["seed"])

    def describe(self, design: Mapping[str, Any]) -> str:
        """'Latin hypercube, N points'."""
        return f"Latin hypercube, {design.get('samples')} points"


class SobolDesign(DesignKind):
    """Saltelli's scheme (`SALib.sample.sobol`): N base samples of k + 2 points (2k + 2 with second order)."""

    kind = "sobol"
    method = SOBOL
    samples_meaning = "base samples N"
    options = frozenset({"second_order"})
    min_parameters = 2

    def sample(
        self, problem: dict[str, Any], design: Mapping[str, Any], parameters: Sequence[ParameterSpec]
    ) -> np.ndarray:
        """SALib's Saltelli sample."""
        from SALib.sample import sobol

        return sobol.sample(
            problem, design["samples"], calc_second_order=bool(design.get("second_order")), seed=design["seed"]
        )

    def points_per_sample(self, n_parameters: int, design: Mapping[str, Any]) -> int | None:
        """Base sample: k + 2 points, or 2k + 2 with second-order terms."""
        return 2 * n_parameters + 2 if design.get("second_order") else n_parameters + 2

    def describe(self, design: Mapping[str, Any]) -> str:
        """The base samples and whether second-order terms are computed."""
        order = "with" if design.get("second_order") else "without"
        return f"Sobol (Saltelli), N = {design.get('samples')} base samples, {order} second-order terms"


class MorrisDesign(DesignKind):
    """`samples` Morris trajectories of k + 1 points on a grid of `levels` levels (`SALib.sample.morris`)."""

    kind = "morris"
    method = MORRIS
    samples_meaning = "trajectories"
    options = frozenset({"levels"})
    min_parameters = 2

    def sample(
        self, problem: dict[str, Any], design: Mapping[str, Any], parameters: Sequence[ParameterSpec]
    ) -> np.ndarray:
        """SALib's Morris trajectories."""
        from SALib.sample import morris

        return morris.sample(problem, design["samples"], num_levels=design["levels"], seed=design["seed"])

    def points_per_sample(self, n_parameters: int, design: Mapping[str, Any]) -> int | None:
        """Trajectory: k + 1 points."""
        return n_parameters + 1

    def describe(self, design: Mapping[str, Any]) -> str:
        """The trajectories and the grid's levels."""
        return f"Morris, {design.get('samples')} trajectories on a {design.get('levels')}-level grid"

    def read_options(self, samples: int | None, second_order: bool, levels: int | None, source: str) -> int | None:
        """As any design; the levels default to 4 and must be even."""
        levels = super().read_options(samples, second_order, levels, source)
        levels = MORRIS_LEVELS if levels is None else levels
        if levels % 2:
            raise ConfigError(source, "design.levels", f"{levels} is odd; Morris needs an even number of levels")
        return levels

    def check_parameter(self, parameter: ParameterSpec, source: str, key: str) -> None:
        """A range, and not a whole number: rounding would break Morris's steps."""
        super().check_parameter(parameter, source, key)
        if parameter.integer:
            raise ConfigError(
                source, key, "is a whole number: rounding would break Morris's steps; use another design for it"
            )


def grid_values(parameter: ParameterSpec) -> list[float]:
    """A full factorial's values of one parameter: its `values`, or `levels` evenly spaced over its range."""
    if parameter.values is not None:
        return list(parameter.values)
    levels = np.linspace(parameter.low, parameter.high, parameter.levels)
    return sorted(set(np.rint(levels).astype(int).tolist())) if parameter.integer else levels.tolist()


def kinds_taking(option: str) -> str:
    """The design kinds that take an optional `[design]` key, as words."""
    return " and ".join(kind for kind, design in DESIGNS.items() if option in design.options)


DESIGNS: dict[str, DesignKind] = {
    design.kind: design for design in (FullFactorial(), LatinHypercube(), SobolDesign(), MorrisDesign())
}
