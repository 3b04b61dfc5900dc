"""Dispensing episodes on one array of packed keys: where the last episode of each (patient, medicine) pair
began, and the last prescriber and product given in it.

Each dispensing becomes one unsigned 64-bit key, fields from high to low, each as wide as the data needs:

    pair | day | days' supply | product rank | prescriber rank        (rank 0: none given; 1.. in text order)

A single `numpy.sort` of these keys orders the dispensings of every pair by day, supply and text (a
multi-column sort of the same rows is several times slower and needs more memory). Along the sorted keys
a running maximum of the covered day (pair and day + supply, so that it restarts at each pair) marks a new
episode wherever a dispensing comes later than every earlier end plus the grace period; the last mark of a
pair is the start of its last episode, and the last row with a rank at or after it gives the prescriber and
the product. When the fields leave too few bits for every pair, the caller works in chunks of pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["KeyLayout", "last_episodes"]

_BLOCK = 1 << 23  # rows per block of the sweep: bounds the temporaries to a few hundred MB


def _bits(value: int) -> int:
    return max(1, int(value).bit_length())


@dataclass(frozen=True)
class KeyLayout:
    """Bit widths of the key's fields for days up to `max_day` + `max_supply` and the given numbers of ranks.

        >>> layout = KeyLayout.fit(max_day=3650, max_supply=90, products=0, prescribers=12)
        >>> (layout.day_bits, layout.supply_bits, layout.product_bits, layout.prescriber_bits, layout.pairs_per_chunk)
        (12, 7, 1, 4, 549755813888)
    """

    day_bits: int
    supply_bits: int
    product_bits: int
    prescriber_bits: int

    @classmethod
    def fit(cls, *, max_day: int, max_supply: int, products: int, prescribers: int) -> KeyLayout:
        """The narrowest layout for these data; ValueError when the days alone do not fit."""
        layout = cls(_bits(max_day + max_supply), _bits(max_supply), _bits(products), _bits(prescribers))
        if layout.low_bits > 62:
            raise ValueError("the dates, days' supply and texts span too many values to pack in 64 bits")
        return layout

    @property
    def low_bits(self) -> int:
        """Bits below the pair field."""
        return self.day_bits + self.supply_bits + self.product_bits + self.prescriber_bits

    @property
    def pairs_per_chunk(self) -> int:
        """How many pairs one array of keys can number (63 bits: the sweep works on signed integers)."""
        return 1 << (63 - self.low_bits)

    def shift(self, field: str) -> int:
        """The bit position of a field: pair, day, supply, product or prescriber."""
        order = ["prescriber", "product", "supply", "day", "pair"]
        widths = [self.prescriber_bits, self.product_bits, self.supply_bits, self.day_bits]
        return sum(widths[: order.index(field)])


def last_episodes(keys: np.ndarray, layout: KeyLayout, n_pairs: int, grace_days: int,
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort `keys` (uint64, in place) and return per pair 0..n_pairs-1: the day its last episode began, and the
    product and prescriber ranks of the last dispensing in that episode that gives one (0: none).

        >>> layout = KeyLayout.fit(max_day=200, max_supply=30, products=0, prescribers=2)
        >>> def key(pair, day, supply, prescriber):
        ...     return (pair << layout.shift("pair") | day << layout.shift("day") | supply << layout.shift("supply")
        ...             | prescriber << layout.shift("prescriber"))
        >>> keys = np.array([key(0, 100, 30, 1), key(0, 0, 30, 2), key(0, 30, 30, 2), key(1, 5, 10, 0)], np.uint64)
        >>> [a.tolist() for a in last_episodes(keys, layout, 2, grace_days=10)]
        [[100, 5], [0, 0], [1, 0]]
    """
    keys.sort()
    key = keys.view(np.int64)
    day_shift, supply_shift = layout.shift("day"), layout.shift("supply")
    day_mask, supply_mask = (1 << layout.day_bits) - 1, (1 << layout.supply_bits) - 1
    masks = {"product": ((1 << layout.product_bits) - 1, layout.shift("product")),
             "prescriber": ((1 << layout.prescriber_bits) - 1, 0)}
    start_day = np.zeros(n_pairs, dtype=np.int64)
    start_row = np.zeros(n_pairs, dtype=np.int64)
    given_row = {name: np.full(n_pairs, -1, dtype=np.int64) for name in masks}
    carry_end, carry_pair = np.int64(-1) << np.int64(62), np.int64(-1)
    carry_given = {name: np.int64(-1) for name in masks}
    for at in range(0, key.size, _BLOCK):
        block = key[at:at + _BLOCK]
        pair_day = block >> day_shift                        # pair << day_bits | day
        ends = np.maximum.accumulate(pair_day + ((block >> supply_shift) & supply_mask))
        np.maximum(ends, carry_end, out=ends)
        before = np.concatenate(([carry_end], ends[:-1]))
        pair = pair_day >> layout.day_bits
        new = (pair != np.concatenate(([carry_pair], pair[:-1]))) | (pair_day > before + grace_days)
        at_new = np.flatnonzero(new)
        chosen = at_new[np.append(pair[at_new][1:] != pair[at_new][:-1], True)]  # the last new episode per pair
        start_day[pair[chosen]] = pair_day[chosen] & day_mask
        start_row[pair[chosen]] = at + chosen
        ends_here = np.flatnonzero(np.append(pair[1:] != pair[:-1], True))         # each pair's last row in the block
        rows = np.arange(at, at + block.size, dtype=np.int64)
        for name, (mask, shift) in masks.items():
            latest = np.maximum.accumulate(np.where((block >> shift) & mask > 0, rows, -1))
            np.maximum(latest, carry_given[name], out=latest)
            given_row[name][pair[ends_here]] = latest[ends_here]
            carry_given[name] = latest[-1]
        carry_end, carry_pair = ends[-1], pair[-1]
    ranks = []
    for name, (mask, shift) in masks.items():
        row = given_row[name]
        ok = row >= start_row
        rank = np.zeros(n_pairs, dtype=np.int64)
        rank[ok] = (key[row[ok]] >> shift) & mask
        ranks.append(rank)
    return start_day, ranks[0], ranks[1]
