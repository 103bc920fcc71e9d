"""The daily roll-up's pure parts: packing a pile and taking a multiset off exactly."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.stats.daily import Pile, figures, pack, without

values = st.lists(st.sampled_from([0.0, 1.5, 2.0, 3.25, 7.0, 1e6, 86400.125]), max_size=40)


@settings(max_examples=300, deadline=None)
@given(values, st.data())
def test_without_takes_off_exactly_the_removed_copies(kept, data):
    removed = data.draw(st.lists(st.sampled_from(kept), max_size=len(kept)) if kept
                        else st.just([]))
    removed = list((Counter(removed) & Counter(kept)).elements())
    got = without(np.array(kept), np.array(removed, dtype=float))
    assert sorted(got.tolist()) == sorted((Counter(kept) - Counter(removed)).elements())


def test_a_packed_pile_gives_the_figures_of_its_rows():
    rows = [(2, 1, None, 60.0, 2500, "hour"), (1, 1, 3600.5, 30.0, 20000, "day"),
            (3, 3, 7200.0, None, 2700, "hour"), (1, 0, None, None, 2600, "hour")]
    loose = Pile()
    for row in rows:
        loose.add_row(*row)
    packed = Pile()
    p = pack(loose)
    packed.add_packed(p["postings"], p["positions"], p["filled"], p["fill_values"],
                      p["match_values"], p["wage_values"], p["wage_units"])
    expected = {"postings": 4, "positions": 7, "filled_positions": 5,
                "median_time_to_fill_seconds": 5400.25,
                "median_time_to_first_match_seconds": 45.0,
                "median_wage_by_unit": {"hour": 2600.0, "day": 20000.0}}
    assert figures(loose, Pile(), postgres=True) == expected
    assert figures(packed, Pile(), postgres=True) == expected
    # Taking one posting off (as a changed posting's old fact is) moves every figure.
    minus = Pile()
    minus.add_row(*rows[2])
    assert figures(packed, minus, postgres=True) == {
        "postings": 3, "positions": 4, "filled_positions": 2,
        "median_time_to_fill_seconds": 3600.5, "median_time_to_first_match_seconds": 45.0,
        "median_wage_by_unit": {"hour": 2550.0, "day": 20000.0}}
    everything = Pile()
    for row in rows:
        everything.add_row(*row)
    assert figures(packed, everything, postgres=True) is None
