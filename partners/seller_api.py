"""Partner API: the sellers that granted the partner access, and their MWS request log."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from mwsportal.api.base import (
    PAGE_PARAMETERS,
    FilterSerializer,
    PartnerViewSet,
    represent,
)
from mwsportal.api.schema import page_of
from mwsportal.gateway import services as gateway
from mwsportal.gateway.models import RequestLogEntry
from partners import services
from sellers.models import Seller, SellerMarketplace


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
        # Its status and last verification change by queryset updates, which send no signal.
        return Response(represent(SellerDetailSerializer, self.get_seller(fresh=True)))


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
        chosen = RequestLogFilterSerializer.validated(request.query_params)
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
