"""Partner API for feeds: submit a file (multipart or the raw body), follow it, read the
processing result as JSON or download it raw, cancel. Every action is a ``feeds.services``
call; the upload size limit is enforced while the body streams in, as on the pages."""

from __future__ import annotations

import tempfile
from typing import IO, Any

from django.conf import settings
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from feeds import services
from feeds.checks import FeedRefused
from feeds.models import FeedMessageResult, FeedSubmission
from feeds.uploads import (
    FilenameRefused,
    LimitedFeedUploadHandler,
    clean_filename,
    limit_message,
)
from mwsportal.api.base import (
    PAGE_PARAMETERS,
    FilterSerializer,
    PartnerViewSet,
    iso_datetime,
    represent,
)
from mwsportal.api.errors import Conflict
from mwsportal.api.schema import conflict, download, page_of
from mwsportal.gateway.mws import FEED_TYPES
from mwsportal.storage import StoredFileMissing
from partners.models import Grant

SCOPE = Grant.Scope.SUBMIT_FEEDS
# What a processing report is served as: the content type Amazon sent it with (the sandbox
# and MWS send these), or octet-stream when Amazon named none.
PROCESSING_REPORT_TYPES = ("text/xml", "text/plain", "application/octet-stream")
COPY_CHUNK = 1024 * 1024


class TooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class RawFeedParser(parsers.BaseParser):
    """Any body that is not multipart is the feed file itself, copied to a temporary file in
    blocks and refused as soon as it passes the size limit."""

    media_type = "*/*"

    def parse(
        self, stream: IO[bytes] | None, media_type: str | None = None, parser_context: Any = None
    ) -> dict[str, Any]:
        limit = settings.FEED_UPLOAD_MAX_BYTES
        spooled = tempfile.SpooledTemporaryFile(max_size=COPY_CHUNK)  # noqa: SIM115 - returned
        total = 0
        while stream is not None and (chunk := stream.read(COPY_CHUNK)):
            total += len(chunk)
            if total > limit:
                spooled.close()
                raise TooLarge(limit_message(limit))
            spooled.write(chunk)
        spooled.seek(0)
        return {"raw": spooled}


# The list serializers' ``write_row`` writes a row without DRF's per-field work (see
# ``mwsportal.api.base._writer``), held to the serializer's own output by the tests.


def feed_row(feed: FeedSubmission) -> dict[str, Any]:
    return {
        "id": feed.pk,
        "feed_type": feed.feed_type,
        "feed_type_name": feed.feed_type_name,
        "marketplace_ids": feed.marketplace_ids,
        "purge_and_replace": feed.purge_and_replace,
        "filename": feed.filename,
        "size": feed.size,
        "content_md5": feed.content_md5,
        "record_count": feed.record_count,
        "state": feed.state,
        "state_message": feed.state_message,
        "feed_submission_id": feed.feed_submission_id,
        "processing_status": feed.processing_status,
        "submitted_date": iso_datetime(feed.submitted_date),
        "started_processing_date": iso_datetime(feed.started_processing_date),
        "completed_processing_date": iso_datetime(feed.completed_processing_date),
        "report_status_code": feed.report_status_code,
        "messages_processed": feed.messages_processed,
        "messages_successful": feed.messages_successful,
        "messages_with_error": feed.messages_with_error,
        "messages_with_warning": feed.messages_with_warning,
        "created_at": iso_datetime(feed.created_at),
        "updated_at": iso_datetime(feed.updated_at),
    }


def message_result_row(result: FeedMessageResult) -> dict[str, Any]:
    return {
        "id": result.pk,
        "message_id": result.message_id,
        "sku": result.sku,
        "order_id": result.order_id,
        "code": result.code,
        "result_type": result.result_type,
        "severity": result.severity,
        "description": result.description,
    }


class FeedSerializer(serializers.ModelSerializer):
    write_row = staticmethod(feed_row)
    feed_type_name = serializers.CharField(read_only=True)

    class Meta:
        model = FeedSubmission
        fields = [
            "id",
            "feed_type",
            "feed_type_name",
            "marketplace_ids",
            "purge_and_replace",
            "filename",
            "size",
            "content_md5",
            "record_count",
            "state",
            "state_message",
            "feed_submission_id",
            "processing_status",
            "submitted_date",
            "started_processing_date",
            "completed_processing_date",
            "report_status_code",
            "messages_processed",
            "messages_successful",
            "messages_with_error",
            "messages_with_warning",
            "created_at",
            "updated_at",
        ]


class FeedCreateSerializer(serializers.Serializer):
    feed_type = serializers.ChoiceField(choices=list(FEED_TYPES))
    marketplace_ids = serializers.ListField(child=serializers.CharField(), required=False)
    purge_and_replace = serializers.BooleanField(required=False, default=False)
    convert_charset = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Rewrite a UTF-8 flat file in the charset Amazon reads flat files in for the "
        "seller's region (ISO-8859-1 in North America and Europe); without it such a file is "
        "refused. Characters that charset cannot hold are refused either way.",
    )
    file = serializers.FileField(
        required=False,
        help_text="Multipart uploads only. Otherwise send the file as the body, with "
        "feed_type and marketplace_ids in the query string.",
    )


class FeedFilterSerializer(FilterSerializer):
    state = serializers.ChoiceField(choices=FeedSubmission.State.choices, required=False)
    feed_type = serializers.ChoiceField(choices=list(FEED_TYPES), required=False)
    since = serializers.DateTimeField(required=False, help_text="Created at or after.")
    until = serializers.DateTimeField(required=False, help_text="Created at or before.")


class MessageResultSerializer(serializers.ModelSerializer):
    write_row = staticmethod(message_result_row)

    class Meta:
        model = FeedMessageResult
        fields = [
            "id",
            "message_id",
            "sku",
            "order_id",
            "code",
            "result_type",
            "severity",
            "description",
        ]


class FeedResultSerializer(serializers.Serializer):
    feed = FeedSerializer()
    results = MessageResultSerializer(many=True)
    next = serializers.URLField(allow_null=True)


class FeedViewSet(PartnerViewSet):
    parser_classes = [parsers.MultiPartParser, RawFeedParser]

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        # Installed before anything reads the body, so a multipart file over the limit is
        # never stored whole.
        request.upload_handlers = [LimitedFeedUploadHandler(request)]
        return super().initialize_request(request, *args, **kwargs)

    def _object(self, seller: Any, pk: int) -> FeedSubmission:
        return get_object_or_404(
            FeedSubmission.objects.filter(seller=seller).select_related("seller"), pk=pk
        )

    @extend_schema(
        parameters=[*PAGE_PARAMETERS, FeedFilterSerializer], responses=page_of(FeedSerializer)
    )
    def list(self, request: Request, seller_pk: int) -> Response:
        """List the seller's feeds.

        Newest first, a cursor page at a time, optionally filtered by state, feed type and
        creation time. Needs the `submit_feeds` scope.
        """
        seller = self.get_seller()
        self.require(seller, SCOPE)
        filters = FeedFilterSerializer.validated(request.query_params)
        return self.page_of(services.list_feeds(seller, **filters), FeedSerializer)

    @extend_schema(
        request={
            "multipart/form-data": FeedCreateSerializer,
            "application/octet-stream": OpenApiTypes.BINARY,
        },
        parameters=[
            OpenApiParameter("feed_type", str, description="Raw body: the feed type."),
            OpenApiParameter(
                "marketplace_ids", str, many=True, description="Raw body: the marketplaces."
            ),
            OpenApiParameter(
                "filename",
                str,
                description="Raw body: the file's name (`feed` when not given). Stored in "
                "NFC, cut to 255 bytes in UTF-8; a name that names no file is a 400.",
            ),
            OpenApiParameter(
                "convert_charset",
                bool,
                description="Raw body: convert a UTF-8 flat file to the region's charset.",
            ),
        ],
        responses={201: FeedSerializer},
    )
    def create(self, request: Request, seller_pk: int) -> Response:
        """Submit a feed file.

        Send the file as a multipart upload (`file`, with `feed_type` and `marketplace_ids`
        as form fields) or as the raw body (with `feed_type`, `marketplace_ids` and
        `filename` in the query string). The file is checked before it is stored: a refusal
        names the line and column. It is sent to Amazon as soon as the seller's quota
        allows. Over `FEED_UPLOAD_MAX_BYTES` the answer is a 413. Needs the `submit_feeds`
        scope.
        """
        seller = self.get_seller()
        self.require(seller, SCOPE)
        # Reading the body runs the upload handler, which notes a file over the size limit.
        body = request.data
        refused = getattr(request._request, "feed_upload_refused", None)
        if refused:
            raise TooLarge(refused)
        raw = body.get("raw") if "raw" in body else None
        if raw is not None:
            fields: Any = {
                "feed_type": request.query_params.get("feed_type"),
                "marketplace_ids": request.query_params.getlist("marketplace_ids"),
                "purge_and_replace": request.query_params.get("purge_and_replace", "false"),
                "convert_charset": request.query_params.get("convert_charset", "false"),
            }
            source, filename = raw, request.query_params.get("filename", "feed")
            try:
                filename = clean_filename(filename)
            except FilenameRefused as refusal:
                raise serializers.ValidationError({"filename": [str(refusal)]}) from None
        else:
            fields = request.data
            source = request.FILES.get("file")
            if source is None:
                # Django drops a part whose file name names no file ("..", "a/"), so such a
                # file arrives as no file at all.
                raise serializers.ValidationError(
                    {
                        "file": [
                            "Send the feed file as the part named file, with a file name that "
                            "names a file (not empty, “.” or “..”, nor ending in “/”)."
                        ]
                    }
                )
            filename = source.name
        data = FeedCreateSerializer(data=fields)
        data.is_valid(raise_exception=True)
        try:
            feed = services.upload_feed(
                seller,
                source=source,
                filename=filename,
                feed_type=data.validated_data["feed_type"],
                marketplace_ids=data.validated_data.get("marketplace_ids", []),
                purge_and_replace=data.validated_data["purge_and_replace"],
                convert_charset=data.validated_data["convert_charset"],
            )
        except FeedRefused as refusal:
            raise serializers.ValidationError({"file": [f"Not sent: {refusal}."]}) from None
        return Response(represent(FeedSerializer, feed), status=status.HTTP_201_CREATED)

    @extend_schema(responses=FeedSerializer)
    def retrieve(self, request: Request, seller_pk: int, pk: int) -> Response:
        """Read one feed.

        Its state in the portal and at Amazon, and the processing summary once Amazon has
        processed it. Needs the `submit_feeds` scope.
        """
        seller = self.get_seller()
        self.require(seller, SCOPE)
        return Response(represent(FeedSerializer, self._object(seller, pk)))

    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={
            200: FeedResultSerializer,
            **conflict("The processing report is not read yet."),
        },
    )
    def result(self, request: Request, seller_pk: int, pk: int) -> Response:
        """Read a feed's processing result.

        The processing summary and, a cursor page at a time, each message with an error or
        warning. A 409 until the processing report is read. Needs the `submit_feeds` scope.
        """
        seller = self.get_seller()
        self.require(seller, SCOPE)
        feed = self._object(seller, pk)
        if feed.state != FeedSubmission.State.COMPLETE:
            raise Conflict("The processing report is not read yet.")
        response = self.page_of(feed.results.all(), MessageResultSerializer)
        response.data = {"feed": represent(FeedSerializer, feed), **response.data}
        return response

    @extend_schema(
        responses={
            **download(*PROCESSING_REPORT_TYPES),
            **conflict("The processing report is not downloaded yet."),
        }
    )
    def result_download(self, request: Request, seller_pk: int, pk: int) -> FileResponse:
        """Download a feed's processing report.

        Amazon's processing report as downloaded, streamed: `text/xml` for XML feeds,
        `text/plain` (with the charset Amazon named) for flat files, `application/octet-stream`
        when Amazon named no type. A 409 until it is downloaded. Needs the `submit_feeds`
        scope.
        """
        seller = self.get_seller()
        self.require(seller, SCOPE)
        feed = self._object(seller, pk)
        if not feed.report_file:
            raise Conflict("The processing report is not downloaded yet.")
        try:
            handle = services.open_processing_report(feed)
        except StoredFileMissing as missing:
            raise exceptions.NotFound(str(missing)) from None
        extension = feed.report_file.rsplit(".", 1)[-1]
        return FileResponse(
            handle,
            as_attachment=True,
            filename=f"feed-{feed.pk}-processing-report.{extension}",
            content_type=feed.report_content_type or "application/octet-stream",
        )

    @extend_schema(request=None, responses={202: FeedSerializer})
    def cancel(self, request: Request, seller_pk: int, pk: int) -> Response:
        """Cancel a feed.

        A feed not sent yet is withdrawn; one Amazon has not started processing is cancelled
        there. A 409 once it is too late. Needs the `submit_feeds` scope.
        """
        seller = self.get_seller()
        self.require(seller, SCOPE)
        feed = self._object(seller, pk)
        try:
            services.cancel_feed(feed)
        except services.FeedActionRefused as refusal:
            raise Conflict(str(refusal)) from None
        feed.refresh_from_db()
        return Response(represent(FeedSerializer, feed), status=status.HTTP_202_ACCEPTED)
