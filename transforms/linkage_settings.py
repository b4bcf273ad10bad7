"""The settings of the suggestions for mistyped identity numbers (config/id_linkage.yaml), read
with the rest of the county's configuration (transforms/config.py) and used by
transforms/linkage/model.py."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

# 疑似录错的身份证号 (id_linkage.yaml): the comparisons of transforms/linkage/model.py
COMPARISONS = ("id_number", "name", "place")
# The model's shape (comparisons, how u is had): a trained model kept in the warehouse by an
# earlier shape is trained again.
MODEL_SHAPE = 2


@dataclass(frozen=True)
class LinkageSettings:
    """config/id_linkage.yaml."""

    recommend_at: float
    list_from: float
    max_per_row: int
    prior_rejected: float
    valid_slips_per_caught: float
    slip_single_row: float
    u_max_pairs: float
    u_seed: int
    m_probabilities: dict[str, tuple[float, ...]]

    @property
    def digest(self) -> str:
        """What a trained model depends on besides the roster."""
        return hashlib.sha256(repr((MODEL_SHAPE, sorted(asdict(self).items()))).encode("utf-8")).hexdigest()

    @classmethod
    def from_yaml(cls, raw: dict) -> LinkageSettings:
        m = {k: tuple(float(x) for x in v) for k, v in raw["m_probabilities"].items()}
        for name, values in m.items():
            if name not in COMPARISONS:
                raise ValueError(f"id_linkage.yaml: unknown comparison {name!r} (one of {', '.join(COMPARISONS)})")
            if abs(sum(values) - 1) > 1e-6:
                raise ValueError(f"id_linkage.yaml: m_probabilities of {name} must add up to 1")
        return cls(
            recommend_at=float(raw["recommend_at"]),
            list_from=float(raw["list_from"]),
            max_per_row=int(raw["max_per_row"]),
            prior_rejected=float(raw["prior_rejected"]),
            valid_slips_per_caught=float(raw["valid_slips_per_caught"]),
            slip_single_row=float(raw["slip_single_row"]),
            u_max_pairs=float(raw["u_max_pairs"]),
            u_seed=int(raw["u_seed"]),
            m_probabilities=m,
        )
