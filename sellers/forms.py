"""Forms of the seller pages. They only collect input: checks that need MWS live in services."""

from __future__ import annotations

from django import forms

from partners.models import Grant, Partner
from sellers.services import AuthorizationCheckFailed


def token_input() -> forms.PasswordInput:
    # A token is never rendered back into a page, not even into the form it was typed in.
    return forms.PasswordInput(
        render_value=False,
        attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "amzn.mws.…"},
    )


class CheckedForm(forms.Form):
    def add_check_failure(self, failure: AuthorizationCheckFailed) -> None:
        """Show the service's message on the field it concerns, or above the form."""
        self.add_error(failure.field if failure.field in self.fields else None, failure.message)


class ConnectSellerForm(CheckedForm):
    seller_id = forms.CharField(
        label="Seller ID",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Also called Merchant Token, such as A1B2C3D4E5F6G7.",
    )
    auth_token = forms.CharField(
        label="MWS Authorization Token", max_length=200, strip=True, widget=token_input()
    )
    name = forms.CharField(
        label="Name in the portal",
        max_length=100,
        required=False,
        help_text="Optional: a name you will recognise, such as “US store”.",
    )


class ReplaceTokenForm(CheckedForm):
    auth_token = forms.CharField(
        label="New MWS Authorization Token", max_length=200, strip=True, widget=token_input()
    )


class RenameSellerForm(forms.Form):
    name = forms.CharField(label="Name in the portal", max_length=100)


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
