"""Writing response XML the way MWS servers did.

Real responses start with ``<?xml version="1.0"?>`` and are indented by two spaces, except
SubmitFeedResponse, which arrives on one line (reference section 1.5). Optional elements are left
out rather than sent empty, so callers simply do not add them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

NS_MWS_2009 = "http://mws.amazonaws.com/doc/2009-01-01/"
NS_SELLERS = "https://mws.amazonservices.com/Sellers/2011-07-01"
NS_ENDPOINT = "https://mws.amazonservices.com/"


@dataclass
class El:
    tag: str
    text: str | None = None
    children: list[El] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)

    def add(self, tag: str, text: object = None, **attrs: str) -> El:
        child = El(tag, None if text is None else _text(text), attrs=attrs)
        self.children.append(child)
        return child

    def extend(self, children: Iterable[El]) -> El:
        self.children.extend(children)
        return self


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def element(tag: str, text: object = None, **attrs: str) -> El:
    return El(tag, None if text is None else _text(text), attrs=attrs)


def render(root: El, *, pretty: bool = True, declaration: str = '<?xml version="1.0"?>') -> bytes:
    parts: list[str] = [declaration, "\n" if pretty else ""]
    _write(root, parts, 0 if pretty else None)
    if pretty:
        parts.append("\n")
    return "".join(parts).encode("utf-8")


def _write(node: El, parts: list[str], depth: int | None) -> None:
    indent = "" if depth is None else "  " * depth
    attrs = "".join(f" {name}={quoteattr(value)}" for name, value in node.attrs.items())
    if node.children:
        parts.append(f"{indent}<{node.tag}{attrs}>")
        for child in node.children:
            if depth is not None:
                parts.append("\n")
            _write(child, parts, None if depth is None else depth + 1)
        if depth is not None:
            parts.append(f"\n{indent}")
        parts.append(f"</{node.tag}>")
    elif node.text is None and node.attrs:
        parts.append(f"{indent}<{node.tag}{attrs}/>")
    else:
        parts.append(f"{indent}<{node.tag}{attrs}>{escape(node.text or '')}</{node.tag}>")


def mws_date(timestamp: float) -> str:
    """Dates inside Reports and Feeds results: seconds precision with ``+00:00``."""
    return datetime.fromtimestamp(int(timestamp), tz=UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def iso_millis(timestamp: float) -> str:
    """``x-mws-timestamp``, quota reset times and Sellers timestamps: millis with ``Z``."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def envelope(action: str, namespace: str, result: El | None, request_id: str) -> El:
    """``<ActionResponse><ActionResult/><ResponseMetadata/></ActionResponse>``."""
    root = El(f"{action}Response", attrs={"xmlns": namespace})
    if result is not None:
        root.children.append(result)
    root.add("ResponseMetadata").add("RequestId", request_id)
    return root
