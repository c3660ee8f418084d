"""Drawing on the signing page's signature pad in a real browser (Playwright), as a finger or a mouse would."""

from __future__ import annotations

import math
from typing import Any

CANVAS = "[data-testid=signature-canvas]"


def draw_signature(page: Any, selector: str = CANVAS) -> None:
    """Three strokes across the pad with the pointer pressed, then check that the page holds a PNG to post."""
    canvas = page.locator(selector)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box and box["width"] > 100, box
    for stroke in range(3):
        x0 = box["x"] + box["width"] * (0.1 + 0.28 * stroke)
        y0 = box["y"] + box["height"] / 2
        page.mouse.move(x0, y0)
        page.mouse.down()
        for step in range(1, 25):
            t = step / 24
            page.mouse.move(
                x0 + t * box["width"] * 0.22, y0 + math.sin(t * math.pi * 3) * box["height"] * 0.3, steps=2
            )
        page.mouse.up()
    value = page.input_value("[data-testid=signature-drawing]")
    assert value.startswith("data:image/png;base64,"), value[:40]
