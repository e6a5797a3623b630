"""An operator's accent colour and the colours read on and beside it.

WCAG 2.2 AA wants 4.5:1 between text and what it sits on (1.4.3) and 3:1
for a focus ring against the page (1.4.11). An operator picks any colour,
so what is drawn with it is computed, not trusted:

- ``ink_on(accent)``: the text of a button filled with the accent, white
  where white reaches 4.5:1, else black. One of the two always does: at the
  luminance where white falls below 4.5:1, black is above 4.6:1.
- ``text_beside(accent)``: the accent as text (links, outlined buttons, the
  focus ring) on the portals' light backgrounds, darkened step by step
  towards black until it reads on the darkest of them.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

HEX_COLOUR = re.compile(r"^#[0-9a-f]{6}$")
AA_TEXT = 4.5
WHITE, BLACK = "#ffffff", "#000000"
#: The lightest backgrounds accent text sits on in static/css/app.css:
#: cards, the page, and the tinted badges and messages. The darkest decides.
LIGHT_BACKGROUNDS = ("#ffffff", "#f6f7fa", "#e8eefc")


def validate_hex_colour(value: str) -> None:
    if not HEX_COLOUR.match(value or ""):
        raise ValidationError(
            _("Enter a colour as # and six hexadecimal digits, for example #2f5bd3."),
            code="invalid_colour",
        )


def normalized_hex(value: str) -> str:
    return (value or "").strip().lower()


def _channel(byte: int) -> float:
    c = byte / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours, 1 to 21."""
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def ink_on(accent: str) -> str:
    return WHITE if contrast(accent, WHITE) >= AA_TEXT else BLACK


def _darker(colour: str, share: float) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c * (1 - share)):02x}" for c in (r, g, b))


def text_beside(accent: str) -> str:
    for step in range(21):
        candidate = _darker(accent, step / 20)
        if all(contrast(candidate, bg) >= AA_TEXT for bg in LIGHT_BACKGROUNDS):
            return candidate
    return BLACK  # not reached: 100 % darker is black
