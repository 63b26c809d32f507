"""The form a seller's owner grants a partner access with (on the seller's settings page)."""

from __future__ import annotations

from django import forms

from partners.models import Grant, Partner


class GrantPartnerForm(forms.Form):
    partner = forms.ModelChoiceField(
        queryset=Partner.objects.filter(is_active=True),
        empty_label="Choose a partner",
        help_text="Partners are the integrators the portal's operator has registered.",
    )
    scopes = forms.MultipleChoiceField(
        choices=Grant.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="What the partner may do for this seller account. Granting a partner again "
        "replaces its scopes.",
    )
