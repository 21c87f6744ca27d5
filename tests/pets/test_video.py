"""A listing's short video: only MP4 or WebM within the cap, served with range requests so a phone can seek."""

import pytest

from jishi.pets.models import Pet
from tests.pets.conftest import pet_of

pytestmark = pytest.mark.django_db

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40  # 10,264 bytes
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\x00" * 500


def _upload(api, user, pet, data, name="clip.mp4"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return api("post", f"/merchant/pets/{pet.pk}/video", user=user, data={"video": SimpleUploadedFile(name, data)})


def test_a_video_is_played_from_any_point(api, breeder):
    pet = pet_of(breeder)
    assert _upload(api, breeder, pet, MP4).json()["video_path"] == f"/api/v1/pets/{pet.pk}/video"
    whole = api("get", f"/pets/{pet.pk}/video")
    assert (whole.status_code, whole["Content-Type"], whole["Accept-Ranges"]) == (200, "video/mp4", "bytes")
    assert b"".join(whole.streaming_content) == MP4
    part = api("get", f"/pets/{pet.pk}/video", headers={"Range": "bytes=100-199"})
    assert (part.status_code, part["Content-Range"], part["Content-Length"]) == (
        206,
        f"bytes 100-199/{len(MP4)}",
        "100",
    )
    assert b"".join(part.streaming_content) == MP4[100:200]
    tail = api("get", f"/pets/{pet.pk}/video", headers={"Range": "bytes=-64"})
    assert b"".join(tail.streaming_content) == MP4[-64:]
    opened = api("get", f"/pets/{pet.pk}/video", headers={"Range": "bytes=10000-"})
    assert b"".join(opened.streaming_content) == MP4[10000:]
    beyond = api("get", f"/pets/{pet.pk}/video", headers={"Range": f"bytes={len(MP4)}-"})
    assert (beyond.status_code, beyond["Content-Range"]) == (416, f"bytes */{len(MP4)}")
    assert beyond.json()["code"] == "request.range_not_satisfiable"
    assert _upload(api, breeder, pet, WEBM, "clip.webm").status_code == 200
    assert api("get", f"/pets/{pet.pk}/video")["Content-Type"] == "video/webm"
    assert api("delete", f"/merchant/pets/{pet.pk}/video", user=breeder).json()["video_path"] is None
    assert api("get", f"/pets/{pet.pk}/video").status_code == 404


def test_a_video_of_another_type_or_over_the_cap_is_refused(api, breeder, settings):
    pet = pet_of(breeder)
    for data, name in ((b"GIF89a" + b"\x00" * 100, "clip.mp4"), (b"RIFF\x00\x00\x00\x00AVI LIST", "clip.avi")):
        refused = _upload(api, breeder, pet, data, name)
        assert (refused.status_code, refused.json()["field"]) == (422, "video")
    settings.JISHI_PET_VIDEO_MAX_BYTES = 1000
    assert _upload(api, breeder, pet, MP4).json()["field"] == "video"
    assert not Pet.objects.get(pk=pet.pk).video
    unpublished = pet_of(breeder, publish=False)
    settings.JISHI_PET_VIDEO_MAX_BYTES = 10 * 1024 * 1024
    _upload(api, breeder, unpublished, MP4)
    assert api("get", f"/pets/{unpublished.pk}/video").status_code == 404  # not public before review
