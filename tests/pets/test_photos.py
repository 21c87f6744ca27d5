"""Image checks on pet photos: a photo used by another listing, the species a photo shows and the breed it looks
like, with the shipped EfficientNet-Lite0 and with a model an operator installs (a tiny one this test builds)."""

import io
import pickle

import numpy as np
import pytest
from PIL import Image, ImageDraw

from jishi.catalog import services as catalog
from jishi.pets import services, vision
from jishi.pets.models import PhotoCheck
from tests import factories
from tests.pets.conftest import breed, pet_of

pytestmark = pytest.mark.django_db


def photo(seed: int, size=(320, 240), colour=None, quality=90) -> bytes:
    """A picture with its own shapes (``seed``), or one colour all over."""
    image = Image.new("RGB", size, colour or (230, 220, 200))
    if colour is None:
        rng = np.random.default_rng(seed)
        draw = ImageDraw.Draw(image)
        for _ in range(12):
            x, y = rng.integers(0, size[0] - 40), rng.integers(0, size[1] - 40)
            fill = tuple(int(c) for c in rng.integers(0, 255, 3))
            draw.ellipse(
                (int(x), int(y), int(x) + int(rng.integers(20, 120)), int(y) + int(rng.integers(20, 90))), fill
            )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def test_a_resized_recompressed_copy_hashes_alike_and_another_photo_does_not():
    original = photo(1)
    with Image.open(io.BytesIO(original)) as opened:
        out = io.BytesIO()
        opened.resize((160, 120)).save(out, "JPEG", quality=35)
    assert vision.distance(vision.dhash(original), vision.dhash(out.getvalue())) <= 2
    assert vision.distance(vision.dhash(original), vision.dhash(photo(2))) > 16


def test_a_photo_already_used_by_another_sellers_listing_is_flagged(breeder):
    first = pet_of(breeder)
    catalog.image_add(actor=breeder, product_id=first.product_id, data=photo(7))
    thief = factories.merchant_owner(kind="individual")
    copy = pet_of(thief, publish=False)
    with Image.open(io.BytesIO(photo(7))) as opened:
        out = io.BytesIO()
        opened.resize((240, 180)).save(out, "JPEG", quality=50)
    catalog.image_add(actor=thief, product_id=copy.product_id, data=out.getvalue())
    catalog.image_add(actor=thief, product_id=copy.product_id, data=photo(8))
    services.pet_submit(actor=thief, pet_id=copy.pk)
    copy.refresh_from_db()
    duplicates = [flag for flag in copy.flags if flag["code"] == "duplicate_photo"]
    assert [flag["params"] for flag in duplicates] == [{"pets": [first.pk]}]
    assert PhotoCheck.objects.filter(pet=first).get().flags[0]["code"] != "duplicate_photo"  # the first was first


def test_the_shipped_model_runs_and_sees_no_animal_in_a_blank_photo(breeder):
    model = vision.model_in_use()
    p = vision.probabilities(photo(0, colour=(128, 128, 128)), model)
    assert p.shape == (1000,)
    assert abs(float(p.sum()) - 1) < 1e-4
    pet = pet_of(breeder)
    catalog.image_add(actor=breeder, product_id=pet.product_id, data=photo(0, colour=(128, 128, 128)))
    [check] = PhotoCheck.objects.filter(pet=pet)
    assert check.flags == [{"code": "species_not_seen", "params": {"species": "cat", "seen": ""}}]
    assert set(check.species_seen) == {"cat", "dog", "rabbit"}


def _tiny_model() -> bytes:
    """A three-class model: the photo's mean red, green and blue, each the logit of one class."""
    from onnx import TensorProto, helper, numpy_helper

    weights = numpy_helper.from_array((np.eye(3) * 40).astype(np.float32), "w")
    nodes = [
        helper.make_node("GlobalAveragePool", ["pixels"], ["mean"]),
        helper.make_node("Flatten", ["mean"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "w"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, [None, 3, 224, 224])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [None, 3])],
        [weights],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model.SerializeToString()


@pytest.fixture
def installed(settings, tmp_path):
    (tmp_path / "tiny.onnx").write_bytes(_tiny_model())
    (tmp_path / "labels.tsv").write_text("# index, species, breed\n0\tcat\t波斯猫\n1\tdog\t金毛寻回犬\n2\tnone\t\n")
    settings.JISHI_PET_MODEL = str(tmp_path / "tiny.onnx")
    settings.JISHI_PET_MODEL_LABELS = str(tmp_path / "labels.tsv")
    vision.model_in_use.cache_clear()
    yield
    vision.model_in_use.cache_clear()


def test_an_installed_model_and_its_labels_check_species_and_suggest_a_breed(installed, breeder):
    pet = pet_of(breeder)
    breed("波斯猫")
    catalog.image_add(actor=breeder, product_id=pet.product_id, data=photo(0, colour=(250, 10, 10)))
    catalog.image_add(actor=breeder, product_id=pet.product_id, data=photo(0, colour=(10, 250, 10)))
    red, green = PhotoCheck.objects.filter(pet=pet).order_by("image__position")
    assert red.flags == [{"code": "breed_suggested", "params": {"breed": "波斯猫"}}]
    assert green.flags == [
        {"code": "species_not_seen", "params": {"species": "cat", "seen": "dog"}},
        {"code": "breed_suggested", "params": {"breed": "金毛寻回犬"}},
    ]
    assert vision.read_labels("0\tcat\t\n") == ({"cat": [0]}, {})
    with pytest.raises(ValueError, match="line 1"):
        vision.read_labels("cat\t0\n")


def test_the_weights_reader_accepts_tensors_and_nothing_else(tmp_path):
    class Sneaky:
        def __reduce__(self):
            import os

            return (os.system, ("true",))

    path = tmp_path / "bad.pth"
    with path.open("wb") as file:
        for header in (0x1950A86A20F9469CFC6C, 1001, {}):
            pickle.dump(header, file)
        pickle.dump(Sneaky(), file)
    with pytest.raises(pickle.UnpicklingError, match="not a tensor"):
        vision.state_dict(path)


def test_the_listing_api_shows_the_image_checks_flags(api, breeder):
    pet = pet_of(breeder, publish=False)
    image = catalog.image_add(actor=breeder, product_id=pet.product_id, data=photo(0, colour=(128, 128, 128)))
    answer = api("post", f"/merchant/pets/{pet.pk}/submit", user=breeder)
    assert answer.status_code == 200, answer.content
    flags = answer.json()["flags"]
    assert {"code": "species_not_seen", "params": {"species": "cat", "seen": ""}, "image_id": image.pk} in flags
