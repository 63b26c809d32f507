"""The catalog picker shared by the report and feed type fields: a grouped list whose options
carry what the search box of ``static/js/picker.js`` matches and the line it shows under the
list about the chosen type. Without the script the picker is a plain grouped list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

RECENTLY_USED = "Recently used"


@dataclass(frozen=True)
class PickerEntry:
    """What the picker knows of one choice: the line about it, the words a search matches
    (human name, category, description: never the raw MWS name) and its tooltip."""

    description: str
    search: str
    title: str = ""


class PickerSelect(forms.Select):
    """A ``<select>`` whose options describe themselves; subclasses say how in ``entry``."""

    def entry(self, value: str) -> PickerEntry | None:
        raise NotImplementedError

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        entry = self.entry(str(value)) if value else None
        if entry is not None:
            option["attrs"]["title"] = entry.title or entry.description
            option["attrs"]["data-description"] = entry.description
            option["attrs"]["data-search"] = entry.search
        return option
