"""The User-Agent check MWS applied to every call.

Format from the developer guide ("Creating the User-Agent header"):
``AppName/AppVersion (Language=Name; Key=Value)``, with backslash escapes for ``\\``, ``/`` in
the name, ``(`` in the version, ``=`` in attribute names and ``)`` and ``;`` in values. Errors are
phrased like the real parser's (``Encountered "<EOF>" at column 116. Was expecting: "="``).
"""

from __future__ import annotations

from mwssandbox.errors import FRONT, MWSError

MAX_LENGTH = 500
_EXAMPLE = (
    'Problem with required MWS User-Agent header (e.g. "MyAppName/build123 (Language=Java/1.2)")'
)


class _Malformed(Exception):
    pass


def check_user_agent(value: str | None) -> None:
    """Raise the MWS error for a missing, too long, malformed or language-less User-Agent."""
    if value is None or not value.strip():
        raise _error("UserAgentHeaderMissing", "the header is missing")
    if len(value) > MAX_LENGTH:
        raise _error(
            "UserAgentHeaderMaximumLengthExceeded",
            f"the header is {len(value)} characters long; the maximum is {MAX_LENGTH}",
        )
    try:
        attributes = _parse(value)
    except _Malformed as exc:
        raise _error("UserAgentHeaderMalformed", str(exc)) from None
    if not attributes.get("Language", "").strip():
        raise _error("UserAgentHeaderLanguageAttributeMissing", "the Language attribute is missing")


def _error(code: str, detail: str) -> MWSError:
    return MWSError(code, f"{_EXAMPLE}: {detail}", request_id_element=FRONT)


def _parse(text: str) -> dict[str, str]:
    reader = _Reader(text)
    reader.until(("/",), escapes="\\/", what="/")
    reader.expect("/")
    version = reader.until((" ", "\t", "("), escapes="\\(", what="(")
    if not version:
        raise reader.unexpected('"<VERSION>"')
    reader.skip_spaces()
    reader.expect("(")
    attributes: dict[str, str] = {}
    while True:
        reader.skip_spaces()
        name = reader.until(("=", ";", ")"), escapes="\\=", what="=").strip()
        reader.expect("=")
        attributes[name] = reader.until((";", ")"), escapes="\\;)", what=")")
        if reader.peek() == ")":
            reader.expect(")")
            break
        reader.expect(";")
    reader.skip_spaces()
    if reader.peek() is not None:
        raise reader.unexpected('"<EOF>"')
    return attributes


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str | None:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def unexpected(self, expecting: str) -> _Malformed:
        found = self.peek()
        shown = '"<EOF>"' if found is None else f'"{found}"'
        return _Malformed(
            f"Encountered {shown} at column {self.pos + 1}. Was expecting: {expecting}"
        )

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise self.unexpected(f'"{char}"')
        self.pos += 1

    def skip_spaces(self) -> None:
        while self.peek() in (" ", "\t"):
            self.pos += 1

    def until(self, stops: tuple[str, ...], *, escapes: str, what: str) -> str:
        """Read up to the first unescaped stop character (not consumed)."""
        out: list[str] = []
        while True:
            char = self.peek()
            if char is None:
                raise self.unexpected(f'"{what}"')
            if char == "\\":
                following = self.text[self.pos + 1 : self.pos + 2]
                if following and following in escapes:
                    out.append(following)
                    self.pos += 2
                    continue
            if char in stops:
                return "".join(out)
            out.append(char)
            self.pos += 1
