"""train.py's targets and loss weights. Run from inference/training (needs torch): /usr/bin/python3 -m unittest
tests.test_train"""
from __future__ import annotations

import unittest

import numpy as np

from data.gm import LABELS
from train import FPS, GHOST, INAUDIBLE_GHOST, batches, ghost_mask, mask_bands, shift_bands, targets

SNARE = LABELS.index("snare")
HAT = LABELS.index("hihat_closed")


def _track(audibility=None) -> dict:
    """Three snare strokes: an accent at 0.5 s, ghost notes at 1.0 s and 1.5 s."""
    d = {"onset_times": np.array([0.5, 1.0, 1.5], np.float32), "onset_lanes": np.array([SNARE] * 3, np.int8),
         "onset_vels": np.array([110, 30, 30], np.int16), "beats": np.array([], np.float32),
         "downbeats": np.array([], np.float32)}
    if audibility is not None:
        d["onset_audibility"] = np.array(audibility, np.float32)
    return d


def _frame(t: float) -> int:
    return int(round(t * FPS))


class GhostWeights(unittest.TestCase):
    def test_ghost_notes_are_marked_and_those_measured_inaudible_apart(self):
        frames = 200
        unmeasured = ghost_mask(_track(), frames, use_audibility=True)[:, SNARE]
        measured = ghost_mask(_track([np.nan, 0.01, 0.3]), frames, use_audibility=True)[:, SNARE]
        ignored = ghost_mask(_track([np.nan, 0.01, 0.3]), frames)[:, SNARE]  # without --skip-inaudible-ghosts
        np.testing.assert_array_equal(ignored, unmeasured)
        for f in (_frame(1.0) - 1, _frame(1.0), _frame(1.0) + 1):
            self.assertEqual(unmeasured[f], GHOST)
            self.assertEqual(measured[f], INAUDIBLE_GHOST)  # changes no band by 0.05: not in the audio
        self.assertEqual(measured[_frame(1.5)], GHOST)  # audible
        self.assertEqual(measured[_frame(0.5)], 0)  # not a ghost note
        self.assertEqual(int((measured != 0).sum()), 6)

    def test_an_inaudible_ghost_weighs_nothing_in_the_loss_and_an_audible_one_the_ghost_weight(self):
        frames = 200
        d = _track([np.nan, 0.01, 0.3])
        d["ghost"] = ghost_mask(d, frames, use_audibility=True)
        x = np.zeros((frames, 8), np.float32)
        _, y, w = next(batches([(x, targets(d, frames), d)], np.random.default_rng(0), crop=frames, batch=1,
                               ghost_weight=2.0))
        w = w[0, :, SNARE].numpy()
        self.assertEqual(float(y[0, _frame(1.0), SNARE]), 1.0)  # still a target, but one that costs nothing
        self.assertEqual(w[_frame(1.0)], 0.0)
        self.assertEqual(w[_frame(1.5)], 2.0)
        self.assertEqual(w[_frame(0.5)], 1.0)


class ConfusionWeights(unittest.TestCase):
    def _weights(self, confusion_weight: float):
        """A hi-hat stroke alone at 0.5 s, a snare stroke with a hi-hat at 1.0 s, a beat at 1.5 s."""
        frames = 200
        d = {"onset_times": np.array([0.5, 1.0, 1.0], np.float32),
             "onset_lanes": np.array([HAT, SNARE, HAT], np.int8), "onset_vels": np.array([60, 100, 60], np.int16),
             "beats": np.array([1.5], np.float32), "downbeats": np.array([], np.float32)}
        d["ghost"] = ghost_mask(d, frames)
        x = np.zeros((frames, 8), np.float32)
        _, _, w = next(batches([(x, targets(d, frames), d)], np.random.default_rng(0), crop=frames, batch=1,
                               confusion_weight=confusion_weight))
        return w[0].numpy()

    def test_a_lane_silent_at_another_lanes_stroke_weighs_the_confusion_weight(self):
        w = self._weights(3.0)
        for f in (_frame(0.5) - 1, _frame(0.5), _frame(0.5) + 1):  # the hi-hat stroke's target frames
            self.assertEqual(w[f, SNARE], 3.0)
            self.assertEqual(w[f, HAT], 1.0)  # the stroke's own lane is a positive, weighed as before
        self.assertEqual(w[_frame(1.0), SNARE], 1.0)  # both lanes sound: neither is a negative there
        self.assertEqual(w[_frame(1.0), HAT], 1.0)
        self.assertEqual(w[_frame(1.0), LABELS.index("kick")], 3.0)
        self.assertEqual(w[_frame(0.8), SNARE], 1.0)  # nothing sounds
        self.assertEqual(w[_frame(1.5), SNARE], 1.0)  # a beat is no stroke
        self.assertEqual(w[_frame(0.5), LABELS.index("beat")], 1.0)  # beat columns are never hard negatives

    def test_off_by_default(self):
        self.assertTrue(np.all(self._weights(1.0) == 1.0))


class BandShift(unittest.TestCase):
    def test_a_crop_moves_by_whole_bands_and_the_edge_band_fills_the_gap(self):
        x = np.tile(np.arange(6, dtype=np.float32), (3, 1))  # 3 frames, band b holds b
        np.testing.assert_array_equal(shift_bands(x, 2)[0], [0, 0, 0, 1, 2, 3])
        np.testing.assert_array_equal(shift_bands(x, -1)[0], [1, 2, 3, 4, 5, 5])
        self.assertIs(shift_bands(x, 0), x)

    def test_batches_shift_within_the_bound_and_leave_targets_alone(self):
        frames = 100
        d = _track()
        d["ghost"] = ghost_mask(d, frames)
        x = np.tile(np.arange(8, dtype=np.float32), (frames, 1))
        y0 = targets(d, frames)
        seen = set()
        for seed in range(20):
            xb, y, _ = next(batches([(x, y0, d)], np.random.default_rng(seed), crop=frames, batch=1, band_shift=1))
            seen.add(int(xb[0, 0, 4].item()) - 4)  # band 4 now holds band 4 - shift
            np.testing.assert_array_equal(y[0].numpy(), y0)
        self.assertEqual(seen, {-1, 0, 1})


class FrequencyMask(unittest.TestCase):
    def test_masked_bands_hold_their_quietest_frame_and_the_rest_is_untouched(self):
        x = np.array([[1, 5, 2, 7], [3, 4, 6, 8], [2, 9, 1, 6]], np.float32)  # 3 frames, 4 bands
        out = mask_bands(x, 1, 2)
        np.testing.assert_array_equal(out[:, 1], [4, 4, 4])
        np.testing.assert_array_equal(out[:, 2], [1, 1, 1])
        np.testing.assert_array_equal(out[:, [0, 3]], x[:, [0, 3]])
        self.assertEqual(x[0, 1], 5)  # the input is not changed

    def test_batches_mask_about_half_the_crops_within_the_width_and_leave_targets_alone(self):
        frames = 50
        d = _track()
        d["ghost"] = ghost_mask(d, frames)
        x = np.random.default_rng(0).random((frames, 16)).astype(np.float32)
        y0 = targets(d, frames)
        masked = 0
        for seed in range(40):
            xb, y, _ = next(batches([(x, y0, d)], np.random.default_rng(seed), crop=frames, batch=1, freq_mask=3))
            flat = np.flatnonzero(np.ptp(xb[0].numpy(), axis=0) == 0)  # bands held constant over the crop
            self.assertLessEqual(len(flat), 3)
            if len(flat):
                masked += 1
                self.assertEqual(flat.tolist(), list(range(flat[0], flat[0] + len(flat))))  # one block
            np.testing.assert_array_equal(y[0].numpy(), y0)
        self.assertTrue(10 <= masked <= 30, masked)


if __name__ == "__main__":
    unittest.main()
