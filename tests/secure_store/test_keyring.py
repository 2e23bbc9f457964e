import json

import pytest

from secure_store import DecryptionError, KeyRing, KeyRingError, UnknownKeyError


def test_a_value_round_trips_and_carries_the_active_key_id(keyring: KeyRing) -> None:
    sealed = keyring.encrypt("Wytske Hoekstra", "inspectors.name", "7")
    assert sealed.startswith(f"pk2:{keyring.active_id}:")
    assert "Wytske" not in sealed
    assert keyring.decrypt(sealed, "inspectors.name", "7") == "Wytske Hoekstra"


def test_a_value_moved_to_another_row_does_not_open(keyring: KeyRing) -> None:
    sealed = keyring.encrypt("06 12345678", "inspectors.phone", "7")
    with pytest.raises(DecryptionError, match=r"inspectors\.phone of row 8.*another column or row"):
        keyring.decrypt(sealed, "inspectors.phone", "8")


def test_row_keys_cannot_run_into_the_context(keyring: KeyRing) -> None:
    sealed = keyring.encrypt("x", "t.c1", "2")
    with pytest.raises(DecryptionError):
        keyring.decrypt(sealed, "t.c", "12")


def test_a_value_bound_to_its_column_only_is_refused_where_a_row_is_read(keyring: KeyRing) -> None:
    column_bound = keyring.encrypt("06 12345678", "inspectors.phone")
    assert column_bound.startswith(f"pk1:{keyring.active_id}:")
    assert keyring.decrypt(column_bound, "inspectors.phone") == "06 12345678"  # as migrations read it
    with pytest.raises(DecryptionError, match=r"not to its row.*migration 0017"):
        keyring.decrypt(column_bound, "inspectors.phone", "7")
    with pytest.raises(DecryptionError, match="bound to its row"):
        keyring.decrypt(keyring.encrypt("x", "inspectors.phone", "7"), "inspectors.phone")


def test_the_same_value_seals_differently_each_time(keyring: KeyRing) -> None:
    assert keyring.encrypt("x", "c") != keyring.encrypt("x", "c")


def test_a_value_moved_to_another_column_does_not_open(keyring: KeyRing) -> None:
    sealed = keyring.encrypt("Wilhelminastraat 12", "callouts.location", "3")
    with pytest.raises(DecryptionError, match="another column"):
        keyring.decrypt(sealed, "callouts.notes", "3")


def test_an_altered_value_does_not_open(keyring: KeyRing) -> None:
    sealed = keyring.encrypt("secret", "c")
    body = sealed.rsplit(":", 1)[1]
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(DecryptionError):
        keyring.decrypt(sealed.rsplit(":", 1)[0] + ":" + flipped, "c")


def test_a_value_under_an_unknown_key_gives_a_clear_error_not_garbage(keyring: KeyRing) -> None:
    other = KeyRing.generate()
    sealed = other.encrypt("Sjoerd", "inspectors.name")
    with pytest.raises(UnknownKeyError, match=f"key id '{other.active_id}'.*not in the key ring"):
        keyring.decrypt(sealed, "inspectors.name")


@pytest.mark.parametrize("value", ["plain text", "pk1:onlytwo", "pk2:k1:abc", ""])
def test_a_value_that_is_not_sealed_is_refused(keyring: KeyRing, value: str) -> None:
    with pytest.raises(DecryptionError):
        keyring.decrypt(value, "c")


def test_after_adding_a_key_old_values_still_open_and_new_ones_use_the_new_key(keyring: KeyRing) -> None:
    old = keyring.encrypt("Auke", "c", "1")
    bigger = keyring.with_new_active_key()
    assert bigger.active_id != keyring.active_id
    assert bigger.decrypt(old, "c", "1") == "Auke"
    assert not bigger.is_current(old)
    assert bigger.is_current(bigger.encrypt("Auke", "c", "1"))
    assert not bigger.is_current(bigger.encrypt("Auke", "c")), "a column-bound value is re-sealed"


def test_the_active_key_cannot_be_removed(keyring: KeyRing) -> None:
    with pytest.raises(KeyRingError, match="active key"):
        keyring.without_key(keyring.active_id)


def test_a_key_ring_survives_its_json_form(keyring: KeyRing) -> None:
    again = KeyRing.from_json(keyring.to_json())
    assert again.decrypt(keyring.encrypt("Baukje", "c"), "c") == "Baukje"
    assert again.blind_index("123", "tg") == keyring.blind_index("123", "tg")


@pytest.mark.parametrize(
    "text, problem",
    [
        ("not json", "not valid JSON"),
        ('{"format": "other"}', "not a piket key ring"),
        ('{"format": "piket-keyring-1", "active": "a", "keys": {}}', "incomplete or malformed"),
        (
            json.dumps(
                {"format": "piket-keyring-1", "active": "a", "keys": {"a": "c2hvcnQ"}, "mac_key": "c2hvcnQ"}
            ),
            "must be 32 bytes",
        ),
    ],
)
def test_a_broken_key_ring_is_refused_with_a_reason(text: str, problem: str) -> None:
    with pytest.raises(KeyRingError, match=problem):
        KeyRing.from_json(text)


def test_the_blind_index_is_deterministic_keyed_and_scoped(keyring: KeyRing) -> None:
    assert keyring.blind_index("987654321", "telegram") == keyring.blind_index("987654321", "telegram")
    assert keyring.blind_index("987654321", "telegram") != keyring.blind_index("987654321", "phone")
    assert KeyRing.generate().blind_index("987654321", "telegram") != keyring.blind_index(
        "987654321", "telegram"
    )
