"""Stable seeds: a SHA-256 of canonical JSON, never Python's hash() or global state."""

from __future__ import annotations

import hashlib
import json

import numpy as np


def digest(*parts) -> bytes:
    """SHA-256 of the parts as canonical JSON: identical on every machine and Python."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, separators=(",", ":")).encode()).digest()


def derive_seed(*parts) -> int:
    """A 63-bit seed from any JSON-serialisable parts (master seed, version key, slot ...)."""
    return int.from_bytes(digest(*parts)[:8], "big") >> 1


def variant_rng(seed: int, generator_id: str, version: int) -> np.random.Generator:
    """The rng of one variant: PCG64 seeded from (seed, generator id, generator version)."""
    words = np.frombuffer(digest("variant", seed, generator_id, version), dtype=">u4")
    return np.random.default_rng(np.random.SeedSequence([int(w) for w in words]))
