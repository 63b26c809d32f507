"""The notification settings form; saving goes through ``notifications.services``."""

from __future__ import annotations

from django import forms

from notifications.models import Kind


class NotificationSettingsForm(forms.Form):
    email_kinds = forms.MultipleChoiceField(
        label="E-mail me when",
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every notice always appears in the portal; these are also e-mailed.",
    )
    daily_digest = forms.BooleanField(
        label="Send one e-mail a day listing the day's notices instead of one e-mail each",
        required=False,
    )
