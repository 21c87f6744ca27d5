"""Key settings: PEM text, a PEM file's path, or bare base64 DER all load; anything else is a configuration error."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from jishi.payments.gateways import keys
from tests.payments.fakes import private_pem, public_base64, public_pem, rsa_key


def test_a_key_loads_from_pem_text_a_file_and_base64(tmp_path):
    key = rsa_key("keys-test")
    path = tmp_path / "alipay_public.pem"
    path.write_text(public_pem(key))
    loaded = [keys.public_key(public_pem(key)), keys.public_key(str(path)), keys.public_key(public_base64(key))]
    signature = keys.sign(keys.private_key(private_pem(key)), b"message")
    assert all(keys.verify(public, b"message", signature) for public in loaded)
    assert not keys.verify(loaded[0], b"messagE", signature)
    assert not keys.verify(loaded[0], b"message", "not base64!")


@pytest.mark.parametrize("value", ["", "/no/such/file.pem", "bm90IGEga2V5", "-----BEGIN PUBLIC KEY-----\nxx\n"])
def test_an_unreadable_key_is_a_configuration_error(value):
    with pytest.raises(ImproperlyConfigured):
        keys.public_key(value)
