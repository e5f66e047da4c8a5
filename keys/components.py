"""Key components: a key split between custodians, each holding one part and its KCV.

The key is the XOR of its 2 or 3 components. Every component is checked against the check
value its custodian read out before the key is formed. 3DES keys get odd DES parity
after combining (XOR of parity-adjusted components loses the parity).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from keys.algorithms import Algorithm, check_key, with_odd_parity
from keys.compare import constant_time_equal
from keys.errors import ComponentCheckFailed
from keys.kcv import key_check_value

MIN_COMPONENTS = 2
MAX_COMPONENTS = 3


@dataclass(frozen=True)
class KeyComponent:
    """One custodian's component and the check value they read out for it."""

    value: bytes = field(repr=False)
    check_value: bytes


def combine_components(algorithm: Algorithm, components: Sequence[KeyComponent]) -> bytes:
    """Check each component against its KCV, then XOR them into the key.

    ``ComponentCheckFailed(custodian)`` names the first custodian (1-based) whose
    component does not match; ``ValueError`` for a wrong count or length.
    """
    if not MIN_COMPONENTS <= len(components) <= MAX_COMPONENTS:
        raise ValueError("a key is formed from 2 or 3 components")
    key = bytes(algorithm.key_length)
    for custodian, component in enumerate(components, start=1):
        check_key(algorithm, component.value)
        if not constant_time_equal(
            key_check_value(algorithm, component.value), component.check_value
        ):
            raise ComponentCheckFailed(custodian)
        key = bytes(a ^ b for a, b in zip(key, component.value, strict=True))
    values = [component.value for component in components]
    if len(set(values)) != len(values):  # two equal components cancel out
        raise ValueError("two custodians gave the same component: each brings their own")
    if not any(key):
        raise ValueError("the components combine into an all-zero key: check them")
    return with_odd_parity(key) if algorithm is Algorithm.TDES else key
