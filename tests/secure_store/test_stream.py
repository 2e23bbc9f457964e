import io

import pytest

from secure_store import DecryptionError, KeyRing, UnknownKeyError, stream


def seal(keyring: KeyRing, data: bytes) -> bytes:
    out = io.BytesIO()
    stream.write_sealed(
        keyring, iter([data[i : i + 70_000] for i in range(0, len(data), 70_000)]), out, {"format": "test"}
    )
    return out.getvalue()


def test_a_multi_chunk_stream_round_trips(keyring: KeyRing, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "CHUNK", 100_000)
    data = bytes(range(256)) * 2000
    header, chunks = stream.read_sealed(keyring, io.BytesIO(seal(keyring, data)))
    assert header["format"] == "test"
    assert b"".join(chunks) == data


def test_a_truncated_stream_fails(keyring: KeyRing, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "CHUNK", 100_000)
    sealed = seal(keyring, b"x" * 300_000)
    _, chunks = stream.read_sealed(keyring, io.BytesIO(sealed[: len(sealed) // 2]))
    with pytest.raises(DecryptionError):
        b"".join(chunks)


def test_a_stream_does_not_open_with_other_keys(keyring: KeyRing) -> None:
    sealed = seal(keyring, b"hello")
    with pytest.raises(UnknownKeyError):
        stream.read_sealed(KeyRing.generate(), io.BytesIO(sealed))
