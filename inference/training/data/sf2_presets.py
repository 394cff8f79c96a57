"""Lists the presets (bank, program, name) of a SoundFont 2/3 file by reading its RIFF `phdr` chunk."""
from __future__ import annotations

import struct
import sys


def list_presets(path: str) -> list[tuple[int, int, str]]:
    """[(bank, program, name)] of every preset in the file, sorted."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"RIFF" or data[8:12] != b"sfbk":
        raise ValueError(f"{path} is not a SoundFont (RIFF sfbk) file")
    pos = data.find(b"phdr")
    if pos < 0:
        raise ValueError(f"{path} has no phdr chunk")
    size = struct.unpack("<I", data[pos + 4: pos + 8])[0]
    out = []
    for i in range(size // 38 - 1):  # the last record is the terminal "EOP"
        rec = data[pos + 8 + i * 38: pos + 8 + (i + 1) * 38]
        name = rec[:20].split(b"\0")[0].decode("latin-1").strip()
        program, bank = struct.unpack("<HH", rec[20:24])
        out.append((bank, program, name))
    return sorted(out)


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print("==", p)
        for bank, prog, name in list_presets(p):
            if bank >= 120:
                print(bank, prog, name)
