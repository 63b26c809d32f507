"""Partner API: the sellers that granted the partner access, and their MWS request log."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from mwsportal.api.base import PAGE_PARAMETERS, FilterSerializer, PartnerViewSet
from mwsportal.api.schema import page_of
from mwsportal.gateway import services as gateway
from mwsportal.gateway.models import RequestLogEntry
from sellers import services, webhooks
from sellers.models import Seller, SellerMarketplace, WebhookEndpoint


class MarketplaceSerializer(serializers.ModelSerializer):
    class Meta:
        model = SellerMarketplace
        fields = [
            "marketplace_id",
            "name",
            "country_code",
            "currency_code",
            "language_code",
            "domain",
            "has_suspended_listings",
        ]


class QuotaSerializer(serializers.Serializer):
    group = serializers.CharField()
    operations = serializers.ListField(child=serializers.CharField())
    quota = serializers.IntegerField()
    level = serializers.FloatField()
    restore_seconds = serializers.FloatField()
    hourly_quota = serializers.IntegerField(allow_null=True)
    hourly_remaining = serializers.IntegerField(allow_null=True)
    blocked_until = serializers.DateTimeField(allow_null=True)
    next_token_at = serializers.DateTimeField(allow_null=True)
    queued = serializers.IntegerField()


class SellerSerializer(serializers.ModelSerializer):
    """Never the auth token: only these fields leave the portal."""

    marketplaces = MarketplaceSerializer(many=True, read_only=True)
    scopes = serializers.SerializerMethodField()

    class Meta:
        model = Seller
        fields = [
            "id",
            "seller_id",
            "region",
            "name",
            "status",
            "status_reason",
            "verified_at",
            "marketplaces",
            "scopes",
        ]

    def get_scopes(self, seller: Seller) -> list[str]:
        return sorted(seller.granted_scopes)


class SellerDetailSerializer(SellerSerializer):
    quota = serializers.SerializerMethodField()

    class Meta(SellerSerializer.Meta):
        fields = [*SellerSerializer.Meta.fields, "quota"]

    @extend_schema_field(QuotaSerializer(many=True))
    def get_quota(self, seller: Seller) -> list[dict[str, Any]]:
        return [group.as_dict() for group in gateway.quota_status(seller, active_only=True)]


class RequestLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequestLogEntry
        fields = [
            "id",
            "operation",
            "attempt",
            "sent_at",
            "request_id",
            "http_status",
            "error_code",
            "duration_ms",
            "bytes_sent",
            "bytes_received",
            "quota_max",
            "quota_remaining",
            "quota_resets_on",
        ]


class SellerViewSet(PartnerViewSet):
    needs_scope = False

    @extend_schema(responses=page_of(SellerSerializer), parameters=PAGE_PARAMETERS)
    def list(self, request: Request) -> Response:
        """List the granted sellers.

        The seller accounts that granted this partner access, with their marketplaces and
        the scopes each granted, a cursor page at a time.
        """
        rows = self.granted_sellers().prefetch_related("marketplaces")
        return self.page_of(rows, SellerSerializer)

    @extend_schema(responses=SellerDetailSerializer)
    def retrieve(self, request: Request, seller_pk: int) -> Response:
        """Read one granted seller.

        Its marketplaces, granted scopes and the current level of each MWS throttling
        bucket in use. Any grant may read it.
        """
        return Response(SellerDetailSerializer(self.get_seller()).data)


class RequestLogFilterSerializer(FilterSerializer):
    operation = serializers.CharField(required=False, help_text="One MWS operation only.")
    failed = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Only calls with an error."
    )
    since = serializers.DateTimeField(required=False, help_text="Sent at or after.")
    until = serializers.DateTimeField(required=False, help_text="Sent at or before.")


class RequestLogViewSet(PartnerViewSet):
    needs_scope = False

    @extend_schema(
        responses=page_of(RequestLogSerializer),
        parameters=[*PAGE_PARAMETERS, RequestLogFilterSerializer],
    )
    def list(self, request: Request, seller_pk: int) -> Response:
        """List the seller's MWS calls.

        Every HTTP attempt to MWS for the seller, newest first, with its outcome and quota
        headers, optionally filtered by operation, outcome and time. Needs no scope of its
        own: a grant sees only the calls its scopes cover (report calls with `read_reports`
        or `request_reports`, feed calls with `submit_feeds`, the seller account's own calls
        with any grant).
        """
        seller = self.get_seller()
        filters = RequestLogFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        chosen = filters.validated_data
        rows = services.partner_request_log(
            seller, seller.granted_scopes, operation=chosen.get("operation")
        )
        if chosen.get("failed") is not None:
            rows = rows.exclude(error_code="") if chosen["failed"] else rows.filter(error_code="")
        if "since" in chosen:
            rows = rows.filter(sent_at__gte=chosen["since"])
        if "until" in chosen:
            rows = rows.filter(sent_at__lte=chosen["until"])
        return self.page_of(rows, RequestLogSerializer)


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
    def _object(self, pk: int) -> WebhookEndpoint:
        return get_object_or_404(WebhookEndpoint.objects.filter(partner=self.request.user), pk=pk)

    @extend_schema(parameters=PAGE_PARAMETERS, responses=page_of(WebhookEndpointSerializer))
    def list(self, request: Request) -> Response:
        """List the partner's webhook endpoints.

        A cursor page at a time; never their secrets.
        """
        rows = WebhookEndpoint.objects.filter(partner=request.user)
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
            endpoint, secret = webhooks.register_endpoint(request.user, **data.validated_data)
        except webhooks.EndpointRefused as refusal:
            raise serializers.ValidationError({"url": [str(refusal)]}) from None
        endpoint.secret = secret
        return Response(WebhookCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=WebhookEndpointSerializer)
    def retrieve(self, request: Request, pk: int) -> Response:
        """Read one webhook endpoint.

        Never its secret.
        """
        return Response(WebhookEndpointSerializer(self._object(pk)).data)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Request, pk: int) -> Response:
        """Remove a webhook endpoint.

        No further events are sent to it.
        """
        webhooks.remove_endpoint(self._object(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
