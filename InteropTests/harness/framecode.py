"""Frame numbers drawn into video frames, readable after lossy VP8 coding.

The top half of each frame is a grid of COLS x ROWS cells; each cell is fully black (bit 0) or
fully white (bit 1). The 32 cells carry the 16-bit frame number followed by its bitwise
complement, so a frame whose cells were smeared by packet loss or a bad reference decodes to
None instead of a wrong number. Cells are large (1/8 of the width) and only their centres are
sampled, so the code survives heavy quantisation and scaling to any resolution.

The bottom half holds a moving gradient, so the encoder produces realistic inter frames of
several packets each (a static image would make every frame one tiny packet, and loss tests
would then prove little).
"""

from __future__ import annotations

import numpy as np

COLS = 8
ROWS = 4
BITS = 16  # frame number bits; the other 16 cells hold the complement
assert COLS * ROWS == 2 * BITS

MODULUS = 1 << BITS


def _cell_bits(number: int) -> list[int]:
    number %= MODULUS
    bits = [(number >> (BITS - 1 - i)) & 1 for i in range(BITS)]
    return bits + [1 - b for b in bits]


def draw_luma(number: int, width: int, height: int) -> np.ndarray:
    """Returns the Y plane (height x width, uint8) of a frame carrying `number`."""
    y = np.empty((height, width), dtype=np.uint8)
    code_height = height // 2
    cell_w = width // COLS
    cell_h = code_height // ROWS
    bits = _cell_bits(number)
    y[:code_height, :] = 0
    for index, bit in enumerate(bits):
        row, col = divmod(index, COLS)
        if bit:
            y[row * cell_h:(row + 1) * cell_h, col * cell_w:(col + 1) * cell_w] = 255
    # Moving diagonal gradient in the lower half: changes every frame, compresses moderately.
    rows = np.arange(height - code_height, dtype=np.int32)[:, None]
    cols = np.arange(width, dtype=np.int32)[None, :]
    y[code_height:, :] = ((rows + cols + number * 4) % 256).astype(np.uint8)
    return y


def make_yuv420p(number: int, width: int, height: int) -> np.ndarray:
    """Returns a (height*3/2, width) array in the layout av.VideoFrame.from_ndarray(format='yuv420p') takes."""
    assert width % 2 == 0 and height % 2 == 0
    frame = np.full((height * 3 // 2, width), 128, dtype=np.uint8)
    frame[:height, :] = draw_luma(number, width, height)
    return frame


def read_luma(y: np.ndarray) -> int | None:
    """Recovers the frame number from a decoded Y plane, or None if the code is damaged."""
    height, width = y.shape
    code_height = height // 2
    cell_w = width // COLS
    cell_h = code_height // ROWS
    if cell_w < 4 or cell_h < 4:
        return None
    bits = []
    for index in range(COLS * ROWS):
        row, col = divmod(index, COLS)
        # Sample the middle half of the cell: edges blur into neighbours under compression.
        r0 = row * cell_h + cell_h // 4
        c0 = col * cell_w + cell_w // 4
        patch = y[r0:r0 + cell_h // 2, c0:c0 + cell_w // 2]
        mean = float(patch.mean())
        if 80 <= mean <= 176:  # neither black nor white: damaged frame
            return None
        bits.append(1 if mean > 128 else 0)
    value = 0
    for i in range(BITS):
        if bits[i] + bits[BITS + i] != 1:
            return None
        value = (value << 1) | bits[i]
    return value


def read_video_frame(frame) -> int | None:
    """Recovers the frame number from an av.VideoFrame (any pixel format aiortc hands out)."""
    if frame.format.name in ("yuv420p", "yuvj420p", "gray"):
        plane = frame.planes[0]
        buf = np.frombuffer(plane, dtype=np.uint8)
        y = buf.reshape(plane.height, plane.line_size)[:, :plane.width]
    else:
        y = frame.to_ndarray(format="gray")
    return read_luma(y)
