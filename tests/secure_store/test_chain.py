from dataclasses import replace
from datetime import UTC, datetime, timedelta

from secure_store import KeyRing, chain


def build(keyring: KeyRing, count: int) -> list[chain.ChainEntry]:
    entries, prev = [], chain.GENESIS
    start = datetime(2027, 1, 4, 9, tzinfo=UTC)
    for seq in range(1, count + 1):
        at = start + timedelta(minutes=seq)
        details = {"n": seq}
        mac = chain.seal(
            keyring, seq, at, "web:coordinator", "callout.created", f"callout:{seq}", details, prev
        )
        entries.append(
            chain.ChainEntry(
                seq, at, "web:coordinator", "callout.created", f"callout:{seq}", details, prev, mac
            )
        )
        prev = mac
    return entries


def test_an_untouched_chain_verifies(keyring: KeyRing) -> None:
    report = chain.verify(keyring, build(keyring, 5))
    assert report.is_intact and report.count == 5


def test_an_altered_record_is_named(keyring: KeyRing) -> None:
    entries = build(keyring, 5)
    entries[2] = replace(entries[2], actor="web:admin")
    report = chain.verify(keyring, entries)
    assert report.broken_seq == 3 and "altered" in (report.problem or "")


def test_a_removed_record_is_named(keyring: KeyRing) -> None:
    entries = build(keyring, 5)
    del entries[1]
    report = chain.verify(keyring, entries)
    assert report.broken_seq == 3 and "record 2 is missing" in (report.problem or "")


def test_a_chain_recomputed_without_the_key_does_not_verify(keyring: KeyRing) -> None:
    forged = build(KeyRing.generate(), 3)
    assert chain.verify(keyring, forged).broken_seq == 1
