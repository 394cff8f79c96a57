"""The readers of the one-shot formats ffmpeg does not decode (data/patches.py) and the extended one-shot pool."""
from __future__ import annotations

import os
import struct
import tempfile
import unittest
import unittest.mock

import numpy as np

from data import oneshot
from data.make_dataset import _plan
from data.patches import read_gus_patch, read_stk_raw
from data.sampler import decode_file


def gus_patch(pcm: bytes, rate: int, modes: int) -> bytes:
    """A one-wave GUS patch as freepats writes them: file, instrument and layer headers, then the wave."""
    head = b"GF1PATCH110\0ID#000002\0".ljust(129, b"\0")
    wave = bytearray(96)
    wave[8:12] = struct.pack("<I", len(pcm))
    wave[20:22] = struct.pack("<H", rate)
    wave[55] = modes
    return head + bytes(63) + bytes(47) + bytes(wave) + pcm


class Patches(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self) -> None:
        self.dir.cleanup()

    def write(self, name: str, data: bytes) -> str:
        path = f"{self.dir.name}/{name}"
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_a_16_bit_signed_patch_reads_back_its_samples_and_rate(self) -> None:
        pcm = np.array([0, 16384, -16384, 32767, -32768], "<i2")
        x, rate = read_gus_patch(self.write("038_Snare_1.pat", gus_patch(pcm.tobytes(), 32000, 0x41)))
        self.assertEqual(rate, 32000)
        np.testing.assert_allclose(x, pcm / 32768)

    def test_an_8_bit_unsigned_patch_is_centred(self) -> None:
        x, rate = read_gus_patch(self.write("k.pat", gus_patch(bytes([128, 255, 0]), 22050, 0x02)))
        self.assertEqual(rate, 22050)
        np.testing.assert_allclose(x, [0, 127 / 128, -1])

    def test_a_file_that_is_no_patch_is_refused_by_name(self) -> None:
        path = self.write("fake.pat", b"RIFF" + bytes(300))
        with self.assertRaisesRegex(ValueError, "fake.pat is not a GUS patch"):
            read_gus_patch(path)

    def test_stk_rawwaves_are_big_endian_at_22050(self) -> None:
        x, rate = read_stk_raw(self.write("snardrum.raw", np.array([256, -32768], ">i2").tobytes()))
        self.assertEqual(rate, 22050)
        np.testing.assert_allclose(x, [256 / 32768, -1])

    def test_decode_file_resamples_a_patch_keeping_its_pitch(self) -> None:
        t = np.arange(32000) / 32000
        pcm = (np.sin(2 * np.pi * 1000 * t) * 20000).astype("<i2")
        x = decode_file(self.write("tone.pat", gus_patch(pcm.tobytes(), 32000, 0x01)), 22050)
        self.assertEqual(len(x), 22050)
        peak_hz = np.argmax(np.abs(np.fft.rfft(x))) * 22050 / len(x)
        self.assertAlmostEqual(peak_hz, 1000, delta=2)

    def test_the_extended_pool_adds_drum_one_shots_by_their_own_names_and_no_toms(self) -> None:
        names = ["035_Kick_1.pat", "038_Snare_1.pat", "025_Snare_Roll.pat", "037_Stick_Rim.pat",
                 "042_Hi-Hat_Closed.pat", "048_Tom_High_2.pat", "053_Cymbal_Ride_Bell.pat", "059_Cymbal_Ride_2.pat",
                 "Snr_Acou_01.wav", "HiHat.wav", "Tom01.wav", "RideEdge.wav", "snardrum.raw", "tomhidrm.raw",
                 "ahh.raw", "crashcym.raw"]
        for name in names:
            self.write(name, b"")
        with unittest.mock.patch.object(oneshot, "EXTRA_POOL_DIRS", [self.dir.name]), \
                unittest.mock.patch.object(oneshot, "POOL_DIRS", []):
            extra = {k: sorted(os.path.basename(f) for f in v) for k, v in oneshot.extended_pool().items()}
        self.assertEqual(extra, {36: ["035_Kick_1.pat"], 37: ["037_Stick_Rim.pat"],
                                 38: ["038_Snare_1.pat", "Snr_Acou_01.wav", "snardrum.raw"],
                                 42: ["042_Hi-Hat_Closed.pat", "HiHat.wav"], 49: ["crashcym.raw"],
                                 51: ["059_Cymbal_Ride_2.pat", "RideEdge.wav"]})

    def test_the_extended_pool_without_its_packages_says_what_to_install(self) -> None:
        with unittest.mock.patch.object(oneshot, "EXTRA_POOL_DIRS", [f"{self.dir.name}/missing"]):
            with self.assertRaisesRegex(RuntimeError, "apt-get install freepats stk exadrums"):
                oneshot.extended_pool()

    def test_poolx_plays_the_pool_splits_plan(self) -> None:
        key = lambda plan: [(perf.hits, [(src.name, lanes) for src, lanes in parts], acc is None)
                            for _, perf, parts, acc in plan]
        self.assertEqual(key(_plan("poolx", 12, 8, 6.0, 0.3)), key(_plan("pool", 12, 8, 6.0, 0.3)))


if __name__ == "__main__":
    unittest.main()
