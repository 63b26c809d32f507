"""Partner API: the partner's own webhook endpoints."""

from __future__ import annotations

from typing import cast

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from mwsportal.api.base import PAGE_PARAMETERS, PartnerViewSet, represent
from mwsportal.api.schema import page_of
from partners import webhooks
from partners.models import Partner, WebhookEndpoint


class WebhookEndpointSerializer(serializers.ModelSerializer):
    """Never the secret: it is in the creation answer only."""

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "events",
            "is_active",
            "disabled_at",
            "disabled_reason",
            "created_at",
        ]
        read_only_fields = ["is_active", "disabled_at", "disabled_reason"]


class WebhookCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEndpoint.Event.choices), min_length=1
    )


class WebhookCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        help_text="The HMAC-SHA256 key of this endpoint's signatures; shown only now."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookViewSet(PartnerViewSet):
    @property
    def partner(self) -> Partner:
        # The API key authentication sets the partner where Django's would set a user.
        return cast(Partner, self.request.user)

    def _object(self, pk: int) -> WebhookEndpoint:
        return get_object_or_404(WebhookEndpoint.objects.filter(partner=self.partner), pk=pk)

    @extend_schema(parameters=PAGE_PARAMETERS, responses=page_of(WebhookEndpointSerializer))
    def list(self, request: Request) -> Response:
        """List the partner's webhook endpoints.

        A cursor page at a time; never their secrets.
        """
        rows = WebhookEndpoint.objects.filter(partner=self.partner)
        return self.page_of(rows, WebhookEndpointSerializer)

    @extend_schema(request=WebhookCreateSerializer, responses={201: WebhookCreatedSerializer})
    def create(self, request: Request) -> Response:
        """Register a webhook endpoint.

        An HTTPS URL and the events it receives. The answer holds the endpoint's signing
        secret, shown only this once.
        """
        data = WebhookCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            endpoint, secret = webhooks.register_endpoint(self.partner, **data.validated_data)
        except webhooks.EndpointRefused as refusal:
            raise serializers.ValidationError({"url": [str(refusal)]}) from None
        endpoint.secret = secret
        return Response(
            represent(WebhookCreatedSerializer, endpoint), status=status.HTTP_201_CREATED
        )

    @extend_schema(responses=WebhookEndpointSerializer)
    def retrieve(self, request: Request, pk: int) -> Response:
        """Read one webhook endpoint.

        Never its secret.
        """
        return Response(represent(WebhookEndpointSerializer, self._object(pk)))

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Request, pk: int) -> Response:
        """Remove a webhook endpoint.

        No further events are sent to it.
        """
        webhooks.remove_endpoint(self._object(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
