"""Local storage publishes a file under its name only once the file is whole; reports and
feeds store and open their files one way."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.core.files.base import ContentFile, File

from mwsportal.storage import AtomicFileSystemStorage, StoredFileMissing, open_stored, store_file


class Interrupted(ContentFile):
    """Content whose writer stops after the first chunk, as a killed process would."""

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        yield b"first half"
        raise OSError("the process stopped here")


def test_a_file_is_stored_whole_and_an_existing_name_is_never_replaced(tmp_path):
    storage = AtomicFileSystemStorage(location=tmp_path)
    first = storage.save("feeds/1/feed.txt", ContentFile(b"one"))
    second = storage.save("feeds/1/feed.txt", ContentFile(b"two"))
    assert first == "feeds/1/feed.txt"
    assert second != first
    assert second.startswith("feeds/1/feed")
    assert (tmp_path / first).read_bytes() == b"one"
    assert (tmp_path / second).read_bytes() == b"two"
    assert sorted(p.name for p in (tmp_path / "feeds/1").iterdir()) == sorted(
        [first.rsplit("/", 1)[1], second.rsplit("/", 1)[1]]
    )


def test_a_write_that_stops_half_way_leaves_nothing_under_the_name(tmp_path):
    storage = AtomicFileSystemStorage(location=tmp_path)
    with pytest.raises(OSError, match="stopped here"):
        storage.save("reports/1/report.txt", Interrupted(b""))
    assert not storage.exists("reports/1/report.txt")
    assert list((tmp_path / "reports/1").iterdir()) == []


def test_an_uploaded_file_on_disk_is_copied_not_moved(tmp_path):
    source = tmp_path / "upload.tmp"
    source.write_bytes(b"sku\tquantity\nA\t1\n")
    storage = AtomicFileSystemStorage(location=tmp_path / "media")
    with source.open("rb") as handle:
        name = storage.save("feeds/2/upload.txt", File(handle, name="upload.txt"))
    assert (tmp_path / "media" / name).read_bytes() == source.read_bytes()


def test_a_verified_download_is_moved_into_storage_never_over_another_file(media, tmp_path):
    first_download = tmp_path / "download-1.part"
    first_download.write_bytes(b"report one")
    second_download = tmp_path / "download-2.part"
    second_download.write_bytes(b"report two")
    first = store_file(first_download, "reports/1/report.txt")
    second = store_file(second_download, "reports/1/report.txt")
    assert first == "reports/1/report.txt"
    assert second != first
    assert (media / first).read_bytes() == b"report one"
    assert (media / second).read_bytes() == b"report two"
    # Moved, not copied; and no temporary file is left next to them.
    assert not first_download.exists()
    assert not second_download.exists()
    assert sorted(p.name for p in (media / "reports/1").iterdir()) == sorted(
        [first.rsplit("/", 1)[1], second.rsplit("/", 1)[1]]
    )


def test_a_stream_is_stored_through_the_storage(media):
    name = store_file(io.BytesIO(b"<feed/>"), "feeds/3/abc/feed.xml")
    assert name == "feeds/3/abc/feed.xml"
    with open_stored(name, "gone") as handle:
        assert handle.read() == b"<feed/>"


def test_a_lost_file_is_stored_file_missing_with_the_message_given(media):
    with pytest.raises(StoredFileMissing, match="Download it again"):
        open_stored("reports/9/lost.txt", "Download it again from Amazon.")
