"""Pure rules, no database."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardsvc.audit.chain import (
    GENESIS_HASH,
    STANDARD_CANONICAL,
    Anchor,
    ChainedRow,
    canonical_json,
    chain_key,
    read_anchor,
    row_content,
    row_hash,
    sign_anchor,
    verify,
)
from cardsvc.cards.rules import (
    TRANSITIONS,
    CardEvent,
    CardState,
    card_check_character,
    next_state,
    normalise_card_identification_code,
    normalise_card_number,
    renewable,
    temporary_loss_lapsed,
)
from cardsvc.clerks.tokens import TokenClaims, issue_token, read_token
from cardsvc.errors import InvalidDataError, NotAuthenticatedError, TransitionRefusedError
from cardsvc.platforms.rules import Kind, Level, check_region_code, platform_name, unified_code
from cardsvc.residents.rules import Sex, check_name, mask_name, mask_ssn, parse_ssn


@pytest.mark.parametrize(
    ("text", "birth", "sex"),
    [
        ("11010519491231002X", date(1949, 12, 31), Sex.female),
        ("11010519491231002x", date(1949, 12, 31), Sex.female),
        ("320102199001010010", date(1990, 1, 1), Sex.male),
    ],
)
def test_valid_social_security_numbers(text: str, birth: date, sex: Sex) -> None:
    number = parse_ssn(text)
    assert number.number == text.upper()
    assert (number.birth_date, number.sex) == (birth, sex)


@pytest.mark.parametrize(
    "text", ["110105194912310021", "11010519491231002", "11010519491331002X", "1101051949123100AX"]
)
def test_invalid_social_security_numbers(text: str) -> None:
    with pytest.raises(InvalidDataError) as caught:
        parse_ssn(text)
    assert caught.value.code == "invalid_social_security_number"
    assert text not in caught.value.detail


@pytest.mark.parametrize(
    ("first8", "check"),
    [("D2143569", "X"), ("00000000", "0"), ("12345678", "8"), ("A0000000", "3"), ("ZZZZZZZZ", "3")],
)
def test_card_check_character(first8: str, check: str) -> None:
    # D2143569: 13·3+2·7+1·9+4·10+3·5+5·8+6·4+9·2 = 199, 199 mod 11 = 1 → 10 → X
    assert card_check_character(first8) == check
    assert normalise_card_number((first8 + check).lower()) == first8 + check


def test_card_number_with_wrong_check_is_refused() -> None:
    with pytest.raises(InvalidDataError):
        normalise_card_number("D21435691")


def test_card_identification_code_shape() -> None:
    good = "320100D1560000051A2B3C4DF591858C"
    assert normalise_card_identification_code(good.lower()) == good
    with pytest.raises(InvalidDataError):
        normalise_card_identification_code("320100D1560000061A2B3C4DF591858C")


@pytest.mark.parametrize(
    ("name", "ok"),
    [("张三", True), ("欧阳娜娜", True), ("李𠀾", False), ("", False), ("王\u200b五", False)],
)
def test_names_must_encode_in_gbk(name: str, ok: bool) -> None:
    if ok:
        assert check_name(name) == name
    else:
        with pytest.raises(InvalidDataError):
            check_name(name)


def test_masking() -> None:
    assert mask_ssn("32010219900101002X") == "3201**********002X"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"


@pytest.mark.parametrize(
    ("kind", "base", "name"),
    [
        (Kind.street, "玄武门", "玄武门街道人力资源和社会保障服务中心"),
        (Kind.street, "玄武门街道", "玄武门街道人力资源和社会保障服务中心"),
        (Kind.township, "汤山镇", "汤山镇人力资源和社会保障服务中心"),
        (Kind.community, "虹桥", "虹桥社区人力资源和社会保障服务站"),
        (Kind.village, "佘村", "佘村人力资源和社会保障服务站"),
        (Kind.city, "南京市", "南京市"),
    ],
)
def test_platform_names_follow_the_guidance(kind: Kind, base: str, name: str) -> None:
    assert platform_name(kind, base) == name


def test_township_must_say_town_or_township() -> None:
    with pytest.raises(InvalidDataError):
        platform_name(Kind.township, "汤山")


@pytest.mark.parametrize(
    ("level", "code", "parent", "ok"),
    [
        (Level.province, "320000", None, True),
        (Level.province, "320100", None, False),
        (Level.city, "320100", "320000", True),
        (Level.city, "330100", "320000", False),
        (Level.county, "320102", "320100", True),
        (Level.county, "320202", "320100", False),
        (Level.street, "320102", "320102", True),
        (Level.street, "320104", "320102", False),
        (Level.county, "32010A", "320100", False),
    ],
)
def test_region_codes(level: Level, code: str, parent: str | None, ok: bool) -> None:
    if ok:
        check_region_code(level, code, parent)
    else:
        with pytest.raises(InvalidDataError):
            check_region_code(level, code, parent)


def test_unified_codes() -> None:
    assert unified_code(Level.county, "320102", "320100", 0) == "320102"
    assert unified_code(Level.street, "320102", "320102", 7) == "320102007"
    assert unified_code(Level.community, "320102", "320102007", 12) == "320102007012"
    with pytest.raises(InvalidDataError):
        unified_code(Level.community, "320102", "320102007", 1000)


@pytest.mark.parametrize("state", list(CardState))
@pytest.mark.parametrize("event", list(CardEvent))
def test_every_state_event_pair_is_either_in_the_table_or_refused(
    state: CardState, event: CardEvent
) -> None:
    if (state, event) in TRANSITIONS:
        assert next_state(state, event) is TRANSITIONS[(state, event)]
    else:
        with pytest.raises(TransitionRefusedError) as caught:
            next_state(state, event)
        assert caught.value.code == f"refused_{event.value}"


@pytest.mark.parametrize(
    ("path", "end"),
    [
        ([CardEvent.issue, CardEvent.activate], CardState.normal),
        ([CardEvent.report_temporary_loss, CardEvent.lapse_temporary_loss], CardState.normal),
        ([CardEvent.report_temporary_loss, CardEvent.report_loss], CardState.lost),
        ([CardEvent.report_loss, CardEvent.lift_loss], CardState.normal),
        ([CardEvent.lock, CardEvent.unlock], CardState.normal),
        ([CardEvent.report_loss, CardEvent.supersede], CardState.superseded),
        ([CardEvent.lock, CardEvent.cancel], CardState.cancelled),
    ],
)
def test_lifecycle_paths(path: list[CardEvent], end: CardState) -> None:
    state = CardState.in_production if path[0] is CardEvent.issue else CardState.normal
    for event in path:
        state = next_state(state, event)
    assert state is end


def test_final_states_accept_nothing() -> None:
    for state in (CardState.superseded, CardState.cancelled):
        assert not any(key[0] is state for key in TRANSITIONS)


def test_temporary_loss_lapse_and_renewal_window() -> None:
    reported = datetime(2025, 1, 1, tzinfo=UTC)
    period = timedelta(days=5)
    lapsed = temporary_loss_lapsed
    assert not lapsed(CardState.temporarily_lost, reported, reported + timedelta(days=4), period)
    assert lapsed(CardState.temporarily_lost, reported, reported + period, period)
    assert not lapsed(CardState.lost, reported, reported + period, period)
    assert renewable(CardState.normal, date(2025, 3, 1), date(2025, 1, 1))
    assert not renewable(CardState.normal, date(2026, 3, 1), date(2025, 1, 1))
    assert not renewable(CardState.lost, date(2025, 3, 1), date(2025, 1, 1))


def test_tokens_round_trip_and_refuse_forgery_and_expiry() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    claims = TokenClaims(clerk_id=7, window_id=3, expires_at=int(now.timestamp()) + 60)
    token = issue_token(b"k", claims)
    assert read_token(b"k", token, now) == claims
    for bad in (token[:-2] + "AA", "garbage", token.replace(".", "")):
        with pytest.raises(NotAuthenticatedError):
            read_token(b"k", bad, now)
    with pytest.raises(NotAuthenticatedError):
        read_token(b"other", token, now)
    with pytest.raises(NotAuthenticatedError):
        read_token(b"k", token, now + timedelta(seconds=60))


def _row(seq: int, previous: str, payload: str = "{}") -> ChainedRow:
    return ChainedRow(
        seq,
        datetime(2025, 1, 1, tzinfo=UTC),
        1,
        1,
        "read",
        "窗口",
        "resident",
        "1",
        payload,
        previous,
    )


KEYED_ROW_HASH = "30db25efd558f48af58b7ff011057ed8c06d86fd970094ae65db55f95091e50f"


def test_a_row_hash_never_changes() -> None:
    """Known answer: chains already stored must verify with every later version."""
    row = ChainedRow(
        seq=7,
        occurred_at=datetime(2026, 11, 27, 8, 30, 0, 123456, tzinfo=UTC),
        clerk_id=3,
        window_id=5,
        action="read",
        purpose="窗口读卡识别",
        subject_type="resident",
        subject_id="42",
        payload=canonical_json({"via": "identify", "card_id": 9, "note": 'a"b\\c\n\u2028'}),
        previous_hash=GENESIS_HASH,
    )
    assert row.payload == '{"card_id":9,"note":"a\\"b\\\\c\\n\u2028","via":"identify"}'
    # What every stored row's hash covered before the chain was keyed (migration 0004).
    content = row_content(row)
    assert hashlib.sha256(content).hexdigest() == (
        "12c5c3420eded2e5d6b144cbb7faafddb5cd2a35a5f1b11cafe3a993db596ce2"
    )
    # Keyed: HMAC-SHA256 under HMAC-SHA256(audit secret, "cardsvc audit chain v1").
    key = chain_key(b"demo-audit-secret-change-me")
    assert (
        key
        == hmac.new(
            b"demo-audit-secret-change-me", b"cardsvc audit chain v1", hashlib.sha256
        ).digest()
    )
    assert row_hash(row, key) == hmac.new(key, content, hashlib.sha256).hexdigest()
    assert row_hash(row, key) == KEYED_ROW_HASH


_JSON_TEXT = st.text(st.characters(codec="utf-8"))  # every character, controls included
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | _JSON_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_JSON_TEXT, inner, max_size=4),
    max_leaves=12,
)


@given(_JSON_VALUES)
def test_canonical_json_is_the_standard_text(value: object) -> None:
    """The fast path writes exactly what the standard encoder wrote into stored chains."""
    assert canonical_json(value) == STANDARD_CANONICAL.encode(value)


SECRET = b"an audit secret outside the database"
KEY = chain_key(SECRET)


def _chain(length: int) -> list[tuple[ChainedRow, str]]:
    chain: list[tuple[ChainedRow, str]] = []
    previous = GENESIS_HASH
    for seq in range(1, length + 1):
        row = _row(seq, previous)
        previous = row_hash(row, KEY)
        chain.append((row, previous))
    return chain


def test_chain_verification_finds_edits_gaps_and_relinks() -> None:
    chain = _chain(3)
    first, second = chain[0][0], chain[1][0]
    assert list(verify(chain, SECRET)) == []
    edited = [chain[0], (_row(2, chain[0][1], '{"x":1}'), chain[1][1]), chain[2]]
    assert [(b.seq, b.reason) for b in verify(edited, SECRET)] == [(2, "edited")]
    assert [(b.seq, b.reason) for b in verify([chain[0], chain[2]], SECRET)] == [
        (3, "gap"),
        (3, "unlinked"),
    ]
    assert (first.seq, second.seq) == (1, 2)


def test_a_chain_recomputed_without_the_secret_is_found() -> None:
    """An insider edits row 2 and recomputes every later hash, as plain SHA-256 allowed:
    without the audit secret the hashes cannot be made to match."""
    chain = _chain(4)
    forged: list[tuple[ChainedRow, str]] = [chain[0]]
    previous = chain[0][1]
    for seq in (2, 3, 4):
        row = _row(seq, previous, '{"edited":true}' if seq == 2 else "{}")
        previous = hashlib.sha256(row_content(row)).hexdigest()
        forged.append((row, previous))
    assert {(b.seq, b.reason) for b in verify(forged, SECRET)} == {
        (2, "edited"),
        (3, "edited"),
        (4, "edited"),
    }
    recomputed_with_a_guess = chain_key(b"demo-audit-secret-change-me")
    assert recomputed_with_a_guess != KEY


def test_anchors_find_a_cut_tail_and_a_rewritten_head() -> None:
    chain = _chain(5)
    at = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
    anchor = sign_anchor(SECRET, 5, chain[4][1], at)
    assert read_anchor(anchor.line()) == anchor
    assert list(verify(chain, SECRET, [anchor])) == []
    # The last row deleted (triggers lifted): the chain alone still looks whole.
    assert list(verify(chain[:4], SECRET)) == []
    assert [(b.seq, b.reason) for b in verify(chain[:4], SECRET, [anchor])] == [(5, "cut")]
    # An anchor made up by someone without the secret.
    forged = Anchor(4, chain[3][1], at, "0" * 64)
    assert [(b.seq, b.reason) for b in verify(chain, SECRET, [forged])] == [(4, "forged anchor")]
    # The anchored row itself replaced by a re-keyed copy (someone holding the key).
    other = _row(5, chain[3][1], '{"other":1}')
    rewritten = [*chain[:4], (other, row_hash(other, KEY))]
    assert [(b.seq, b.reason) for b in verify(rewritten, SECRET, [anchor])] == [(5, "rewritten")]
