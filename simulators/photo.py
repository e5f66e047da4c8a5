"""Synthetic ID-style photos for soft cards: a drawn head-and-shoulders silhouette.

Nobody's likeness: the picture is a few shapes whose colours come from the seed, so each
synthetic resident gets a different, reproducible photo.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

PHOTO_SIZE = (102, 126)  # width, height in pixels, as a 26 x 32 mm ID photo at 100 dpi
MAX_PHOTO_BYTES = 16 * 1024  # EF08 holds at most 16 KiB (profile §2)

_BACKGROUNDS = ((255, 255, 255), (67, 142, 219), (214, 34, 40), (220, 228, 238))
_SKIN_TONES = ((241, 204, 177), (224, 172, 138), (198, 142, 104), (161, 110, 75))
_HAIR = ((20, 20, 20), (55, 38, 28), (92, 64, 44), (150, 150, 150))
_CLOTHES = ((30, 40, 70), (40, 40, 40), (110, 30, 40), (60, 90, 60), (200, 200, 205))


def generate_photo(seed: int) -> bytes:
    """A JPEG of ``PHOTO_SIZE`` pixels, at most ``MAX_PHOTO_BYTES``, the same for a seed."""
    rng = random.Random(seed)
    width, height = PHOTO_SIZE
    image = Image.new("RGB", PHOTO_SIZE, rng.choice(_BACKGROUNDS))
    draw = ImageDraw.Draw(image)

    centre = width // 2 + rng.randint(-3, 3)
    head_w, head_h = rng.randint(38, 46), rng.randint(48, 56)
    head_top = rng.randint(18, 26)
    head = (centre - head_w // 2, head_top, centre + head_w // 2, head_top + head_h)

    # Shoulders first: the neck and head are drawn over them.
    shoulder_top = head[3] + rng.randint(6, 12)
    draw.ellipse(
        (-rng.randint(8, 20), shoulder_top, width + rng.randint(8, 20), height + 60),
        fill=rng.choice(_CLOTHES),
    )
    skin = rng.choice(_SKIN_TONES)
    draw.rectangle((centre - 9, head[3] - 8, centre + 9, shoulder_top + 8), fill=skin)
    draw.ellipse(
        (head[0] - 2, head[1] - 4, head[2] + 2, head[1] + head_h // 2 + 6), fill=rng.choice(_HAIR)
    )
    draw.ellipse((head[0], head[1] + rng.randint(6, 12), head[2], head[3]), fill=skin)

    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, optimize=True)
    return buffer.getvalue()
