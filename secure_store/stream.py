"""Chunked authenticated encryption for backups (the STREAM construction over AES-256-GCM).

Each chunk is sealed with a nonce made of a random prefix and the chunk counter,
and its associated data says whether it is the last one, so a reordered, dropped
or truncated backup fails to open instead of restoring part of the data.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from secure_store.keyring import DecryptionError, KeyRing

MAGIC = b"PIKETBK1"
CHUNK = 1 << 20


def _nonce(prefix: bytes, counter: int) -> bytes:
    return prefix + struct.pack(">I", counter)


def write_sealed(keyring: KeyRing, chunks: Iterator[bytes], out: BinaryIO, header: dict[str, str]) -> None:
    """Seal a stream of byte chunks into `out` with the active key; the header stays readable."""
    header = {**header, "key_id": keyring.active_id}
    header_bytes = json.dumps(header, sort_keys=True).encode()
    aead = AESGCM(keyring.stream_key(keyring.active_id))
    prefix = os.urandom(8)
    out.write(MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes + prefix)
    counter, pending = 0, b""
    for piece in chunks:
        pending += piece
        while len(pending) > CHUNK:
            _write_chunk(out, aead, prefix, counter, pending[:CHUNK], header_bytes, last=False)
            counter, pending = counter + 1, pending[CHUNK:]
    _write_chunk(out, aead, prefix, counter, pending, header_bytes, last=True)


def _write_chunk(
    out: BinaryIO, aead: AESGCM, prefix: bytes, counter: int, data: bytes, header: bytes, last: bool
) -> None:
    sealed = aead.encrypt(_nonce(prefix, counter), data, header + (b"\x01" if last else b"\x00"))
    out.write(struct.pack(">I?", len(sealed), last) + sealed)


def read_header(source: BinaryIO) -> tuple[dict[str, str], bytes]:
    if source.read(len(MAGIC)) != MAGIC:
        raise DecryptionError("this file is not a piket backup")
    (length,) = struct.unpack(">I", source.read(4))
    header_bytes = source.read(length)
    return json.loads(header_bytes), header_bytes


def read_sealed(keyring: KeyRing, source: BinaryIO) -> tuple[dict[str, str], Iterator[bytes]]:
    """Open a sealed stream: its header, and the plaintext chunks as they authenticate."""
    header, header_bytes = read_header(source)
    aead = AESGCM(keyring.stream_key(header["key_id"]))
    prefix = source.read(8)

    def chunks() -> Iterator[bytes]:
        counter = 0
        while True:
            frame = source.read(5)
            if len(frame) < 5:
                raise DecryptionError("the backup is truncated")
            length, last = struct.unpack(">I?", frame)
            try:
                yield aead.decrypt(
                    _nonce(prefix, counter),
                    source.read(length),
                    header_bytes + (b"\x01" if last else b"\x00"),
                )
            except InvalidTag:
                raise DecryptionError("the backup does not open with these keys, or it was altered") from None
            if last:
                return
            counter += 1

    return header, chunks()
