"""Access to the recorded-traffic-shaped XML fixtures in tests/fixtures/mws/."""

from __future__ import annotations

import random
from pathlib import Path

from lxml import etree

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mws"

REAL_2009_NS = "http://mws.amazonaws.com/doc/2009-01-01/"
DOCS_2009_NS = "http://mws.amazonservices.com/doc/2009-01-01/"
REAL_SELLERS_NS = "https://mws.amazonservices.com/Sellers/2011-07-01"
PAM_SELLERS_NS = "http://mws.amazonservices.com/schema/Sellers/2011-07-01"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def error_fixture(code: str) -> bytes:
    return fixture(f"errors/{code}.xml")


def variants(body: bytes) -> dict[str, bytes]:
    """The body as recorded, in the other namespace MWS (or its docs) used, and with none."""
    text = body.decode()
    if REAL_2009_NS in text:
        other = text.replace(REAL_2009_NS, DOCS_2009_NS)
        bare = text.replace(f' xmlns="{REAL_2009_NS}"', "")
    else:
        other = text.replace(REAL_SELLERS_NS, PAM_SELLERS_NS)
        bare = text.replace(f' xmlns="{REAL_SELLERS_NS}"', "")
    return {"recorded": body, "other-namespace": other.encode(), "no-namespace": bare.encode()}


def shuffled(body: bytes, seed: int) -> bytes:
    """The same document with the children of every element in a random order."""
    rng = random.Random(seed)
    root = etree.fromstring(body)
    for element in root.iter():
        children = list(element)
        if len(children) > 1:
            rng.shuffle(children)
            for child in children:
                element.remove(child)
            element.extend(children)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
