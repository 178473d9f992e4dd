"""The subset of APL that skill/alexa/apl/*.json uses, rendered as HTML with the same
layout, so headless Chromium can show what a screen shows (no APL renderer runs here).

Frame, Container, Sequence and Text become flex boxes with the same direction,
padding, spacing, grow and sizes; resources are chosen by their ``when`` for the
viewport; ``${…}`` bindings read the datasource (``payload``), the Sequence item
(``data``) and ``viewport``. Expressions are the few forms the documents use: a path,
``!path``, ``path == 'text'`` / ``!=`` / ``>=`` / ``<=`` / ``>`` / ``<`` with a number, and
those joined by ``||`` or ``&&`` (without parentheses).
Anything else raises, so a document that outgrows this renderer fails its test.
"""

from __future__ import annotations

import html
import re
from typing import Any

_BINDING = re.compile(r"\$\{([^}]*)\}")
_COMPARISON = re.compile(r"^\s*([\w.]+)\s*(==|!=|>=|<=|>|<)\s*(.+?)\s*$")
_ALIGN = {"start": "flex-start", "end": "flex-end", "center": "center", "stretch": "stretch"}


def evaluate(expression: str, context: dict) -> Any:
    expression = expression.strip()
    if "||" in expression:
        return any(evaluate(part, context) for part in expression.split("||"))
    if "&&" in expression:
        return all(evaluate(part, context) for part in expression.split("&&"))
    if expression.startswith("!"):
        return not evaluate(expression[1:], context)
    comparison = _COMPARISON.match(expression)
    if comparison:
        left, operator, right = comparison.groups()
        value = _lookup(left, context)
        literal: Any = right[1:-1] if right[0] in "'\"" else float(right)
        return {
            "==": value == literal,
            "!=": value != literal,
            ">=": value >= literal,
            "<=": value <= literal,
            ">": value > literal,
            "<": value < literal,
        }[operator]
    if re.fullmatch(r"[\w.]+", expression):
        return _lookup(expression, context)
    raise ValueError(f"the renderer does not know the expression {expression!r}")


def _lookup(path: str, context: dict) -> Any:
    value: Any = context
    for step in path.split("."):
        value = value[step]
    return value


def bound(value: Any, context: dict) -> Any:
    """A property's value with its ``${…}`` bindings applied."""
    if not isinstance(value, str):
        return value
    whole = _BINDING.fullmatch(value)
    if whole:
        return evaluate(whole[1], context)
    return _BINDING.sub(lambda m: str(evaluate(m[1], context)), value)


class Renderer:
    def __init__(self, document: dict, datasources: dict, width: int, height: int, shape: str):
        self.viewport = {"width": width, "height": height, "shape": shape}
        self.context = {"payload": datasources, "viewport": self.viewport}
        self.resources: dict[str, Any] = {}
        for block in document.get("resources", []):
            if "when" not in block or bound(block["when"], self.context):
                for kind in ("colors", "dimensions", "strings"):
                    self.resources.update(block.get(kind, {}))
        self.document = document

    def html(self) -> str:
        template = self.document["mainTemplate"]
        return "".join(self._component(c, self.context, None) for c in template["items"])

    def _value(self, value: Any, context: dict) -> Any:
        value = bound(value, context)
        if isinstance(value, str) and value.startswith("@"):
            value = self.resources[value[1:]]
        return value

    def _length(self, value: Any, context: dict) -> str:
        value = self._value(value, context)
        if isinstance(value, (int, float)):
            return f"{value}px"
        if value.endswith("dp"):
            return f"{value[:-2]}px"
        if value.endswith("vw"):
            return f"{float(value[:-2]) * self.viewport['width'] / 100}px"
        if value.endswith("vh"):
            return f"{float(value[:-2]) * self.viewport['height'] / 100}px"
        return value

    def _component(self, component: dict, context: dict, parent_direction: str | None, first=True):
        if "when" in component and not bound(component["when"], context):
            return ""
        kind = component["type"]
        style = ["box-sizing:border-box", "min-width:0", "min-height:0"]
        for prop, css in (("width", "width"), ("height", "height")):
            if prop in component:
                style.append(f"{css}:{self._length(component[prop], context)}")
        for side in ("Left", "Right", "Top", "Bottom"):
            if f"padding{side}" in component:
                length = self._length(component[f"padding{side}"], context)
                style.append(f"padding-{side.lower()}:{length}")
        if "spacing" in component and not first:
            margin = "margin-left" if parent_direction == "row" else "margin-top"
            style.append(f"{margin}:{self._length(component['spacing'], context)}")
        style.append(f"flex-grow:{component.get('grow', 0)}")
        style.append(f"flex-shrink:{component.get('shrink', 0)}")
        if kind == "Text":
            style += [
                f"font-size:{self._length(component.get('fontSize', '40dp'), context)}",
                f"font-weight:{self._value(component.get('fontWeight', 'normal'), context)}",
                f"color:{self._value(component.get('color', '#fafafa'), context)}",
                f"text-align:{self._value(component.get('textAlign', 'left'), context)}",
                "line-height:1.25",
            ]
            text = html.escape(str(self._value(component.get("text", ""), context)))
            return f'<div class="apl-text" style="{";".join(style)}">{text}</div>'
        direction = component.get("direction", "column")
        style += ["display:flex", f"flex-direction:{direction}"]
        if "alignItems" in component:
            style.append(f"align-items:{_ALIGN[component['alignItems']]}")
        if kind == "Frame":
            style.append(f"background-color:{self._value(component['backgroundColor'], context)}")
        if kind == "Sequence":
            style.append("overflow:hidden")
        children = []
        if "data" in component:
            for item in bound(component["data"], context):
                child_context = {**context, "data": item}
                for child in component["items"]:
                    children.append(
                        self._component(child, child_context, direction, first=not children)
                    )
        else:
            for child in component.get("items", []):
                rendered = self._component(child, context, direction, first=not any(children))
                children.append(rendered)
        return (
            f'<div class="apl-{kind.lower()}" style="{";".join(style)}">{"".join(children)}</div>'
        )


def render(document: dict, datasources: dict, width: int, height: int, shape: str) -> str:
    """The document's screen at a viewport of ``width`` × ``height`` dp, as HTML."""
    return Renderer(document, datasources, width, height, shape).html()
