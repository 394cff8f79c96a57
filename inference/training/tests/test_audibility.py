"""Ghost-note audibility of evaluation tracks. Run from inference/training: /usr/bin/python3 -m unittest
tests.test_audibility"""
from __future__ import annotations

import unittest
from dataclasses import replace

import numpy as np

from data.audibility import GHOST_VELOCITY, ghost_audibility, with_ghosts_silenced
from data.make_dataset import _plan, _render_drums
from data.sources import drum_sources
from features import FRONTEND, compute_features


class GhostAudibility(unittest.TestCase):
    def test_each_ghost_note_gets_the_largest_band_change_near_it_and_louder_notes_none(self) -> None:
        fps = FRONTEND.fps
        a = np.zeros((400, 4), np.float32)
        b = a.copy()
        b[100, 2] = 0.2  # the ghost at frame 102 changed a band 2 frames before it
        b[250, 1] = -0.3  # 8 frames from the ghost at frame 258: outside its window
        labels = [(102 / fps, "snare", 30), (258 / fps, "snare", 30), (100 / fps, "kick", 100)]
        self.assertEqual(ghost_audibility(a, b, labels, fps), [0.2, 0.0, None])

    def test_silencing_copies_the_random_state_and_turns_only_ghost_notes_down(self) -> None:
        plan = _plan("test", 2, 3, 6.0, 0.3)
        silenced = with_ghosts_silenced(plan)
        for (rng, perf, parts, acc), (quiet_rng, quiet_perf, quiet_parts, quiet_acc) in zip(plan, silenced):
            self.assertEqual(rng.random(), quiet_rng.random())  # the same state, not the same object
            self.assertEqual([(t, k) for t, k, _ in perf.hits], [(t, k) for t, k, _ in quiet_perf.hits])
            for (_, _, v), (_, _, q) in zip(perf.hits, quiet_perf.hits):
                self.assertEqual(q, v if v >= GHOST_VELOCITY else 1)
            self.assertIs(parts, quiet_parts)

    def test_a_lone_ghost_note_is_audible_and_a_render_without_ghosts_changes_nothing(self) -> None:
        synth = next(s for s in drum_sources() if s.kind == "synth")
        ((rng, perf, _, _),) = _plan("test", 1, 3, 4.0, 1.0)
        plans = {
            "loud only": [(rng, replace(perf, hits=[(0.5, 38, 110), (2.5, 36, 100)]), [(synth, None)], None)],
            "lone ghost": [(rng, replace(perf, hits=[(0.5, 38, 110), (1.5, 38, 30)]), [(synth, None)], None)],
        }
        for name, plan in plans.items():
            silenced = with_ghosts_silenced(plan)
            (x, hits), = _render_drums(plan, vary=False)
            (quiet, _), = _render_drums(silenced, vary=False)
            change = ghost_audibility(compute_features(x), compute_features(quiet),
                                      [(t, "snare", v) for t, _, v in hits], FRONTEND.fps)
            if name == "loud only":
                np.testing.assert_array_equal(x, quiet)
                self.assertEqual(change, [None, None])
            else:
                self.assertIsNone(change[0])
                self.assertGreater(change[1], 0.05)


if __name__ == "__main__":
    unittest.main()
