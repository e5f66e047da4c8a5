"""The host side of the SSC application against byte scripts written from the profile.

Every command below is spelled out as the profile's bytes; the fake card answers only
those, so a session that sends anything else fails the test.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image, ImageDraw

from readers.card.errors import (
    CardCommandError,
    CardDataError,
    NotSocialSecurityCard,
    PinBlocked,
    SecurityStatusNotSatisfied,
    UnsupportedAlgorithm,
    WrongPin,
)
from readers.card.jpeg import jpeg_end
from readers.card.models import CardAlgorithm, PinState, Sex
from readers.card.session import SocialSecurityCardSession, join_name

SELECT_SSSE = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF00"
SSSE_NAME = "7378312E73682EC9E7BBE1B1A3D5CF"


def fci(algorithm: str | None) -> str:
    flag = f"9F0C038601{algorithm}" if algorithm else ""
    a5 = f"A5{len(flag) // 2:02X}{flag}"
    body = f"840F{SSSE_NAME}{a5}"
    return f"6F{len(body) // 2:02X}{body}"


def gbk(text: str, length: int, pad: str = "00") -> str:
    raw = text.encode("gbk").hex().upper()
    return raw + pad * (length - len(raw) // 2)


CARD_ID = "320100D156000005A1B2C3D40BADF00D"
# Read by tag through the SFI: P1 = tag, P2 = SFI << 3 (EF05: 28, EF06: 30), Le = len + 2.
EF05 = {
    "00B2012812": f"0110{CARD_ID}",
    "00B2022803": "020133",
    "00B2032806": "0304" + b"3.00".hex(),
    "00B204280E": "040C" + b"320100000001".hex(),
    "00B2052806": "050420240115",
    "00B2062806": "060420340115",
    "00B207280B": "0709" + b"X00000019".hex(),
}
EF06 = {
    "00B2083014": "0812" + b"32010219900307002X".hex(),
    "00B2093020": "091E" + gbk("欧阳娜娜", 30),
    "00B24E3016": "4E14" + gbk("", 20),
    "00B20A3003": "0A0132",
    "00B20B3003": "0B0101",
    "00B20C3005": "0C033201FF",
    "00B20D3006": "0D0419900307",
}


class ScriptedCard:
    """A transmitter that answers only the commands in its script, and records them.

    Each script value is the whole response in hex, status word included; a list gives
    successive answers to the same command.
    """

    def __init__(self, script: dict[str, str | list[str]]) -> None:
        self.script = {k: v if isinstance(v, list) else [v] for k, v in script.items()}
        self.sent: list[str] = []

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        command = apdu.hex().upper()
        self.sent.append(command)
        answers = self.script.get(command)
        if not answers:
            raise AssertionError(f"unexpected command {command}")
        raw = bytes.fromhex(answers.pop(0) if len(answers) > 1 else answers[0])
        return raw[:-2], int.from_bytes(raw[-2:], "big")


def ok(data: str = "") -> str:
    return data + "9000"


def card(extra: dict[str, str | list[str]] | None = None, algorithm: str = "03") -> ScriptedCard:
    script: dict[str, str | list[str]] = {SELECT_SSSE: ok(fci(algorithm))}
    script.update({k: ok(v) for k, v in {**EF05, **EF06}.items()})
    script.update(extra or {})
    return ScriptedCard(script)


def test_select_sends_the_profile_bytes_and_reads_the_algorithm_flag() -> None:
    scripted = card()
    session = SocialSecurityCardSession(scripted)
    assert scripted.sent == [SELECT_SSSE]
    assert session.application.algorithm is CardAlgorithm.SM4


@pytest.mark.parametrize(
    ("flag", "algorithm"),
    [("01", CardAlgorithm.TRIPLE_DES), ("03", CardAlgorithm.SM4), (None, CardAlgorithm.TRIPLE_DES)],
)
def test_algorithm_flag(flag: str | None, algorithm: CardAlgorithm) -> None:
    scripted = ScriptedCard({SELECT_SSSE: ok(fci(flag))})
    assert SocialSecurityCardSession(scripted).application.algorithm is algorithm


def test_ssf33_card_is_refused_clearly() -> None:
    with pytest.raises(UnsupportedAlgorithm, match="SSF33"):
        SocialSecurityCardSession(ScriptedCard({SELECT_SSSE: ok(fci("02"))}))


def test_card_without_ssse_is_not_a_social_security_card() -> None:
    with pytest.raises(NotSocialSecurityCard) as caught:
        SocialSecurityCardSession(ScriptedCard({SELECT_SSSE: "6A82"}))
    assert caught.value.code == -1


def test_t0_card_select_goes_through_get_response() -> None:
    length = len(fci("03")) // 2
    scripted = ScriptedCard(
        {SELECT_SSSE: f"61{length:02X}", f"00C00000{length:02X}": ok(fci("03"))}
    )
    assert SocialSecurityCardSession(scripted).application.algorithm is CardAlgorithm.SM4
    assert scripted.sent == [SELECT_SSSE, f"00C00000{length:02X}"]


def test_card_info_read_by_tag_from_ef05() -> None:
    scripted = card()
    info = SocialSecurityCardSession(scripted).read_card_info()
    assert info.card_identification_code == bytes.fromhex(CARD_ID)
    assert info.region_code == "320100"
    assert info.card_type == "3"
    assert info.generation == "3.00"
    assert info.initialising_organisation == "320100000001"
    assert info.issue_date == date(2024, 1, 15)
    assert info.expiry_date == date(2034, 1, 15)
    assert info.card_number == "X00000019"
    assert sorted(scripted.sent[1:]) == sorted(EF05)


def test_holder_read_by_tag_from_ef06() -> None:
    holder = SocialSecurityCardSession(card()).read_holder()
    assert holder.social_security_number == "32010219900307002X"
    assert holder.name == "欧阳娜娜"
    assert holder.sex is Sex.FEMALE
    assert holder.ethnic_group == "01"
    assert holder.ethnic_group_name == "汉族"
    assert holder.birthplace == "3201"
    assert holder.birth_date == date(1990, 3, 7)


def test_holder_repr_does_not_show_personal_data() -> None:
    holder = SocialSecurityCardSession(card()).read_holder()
    assert "32010219900307002X" not in repr(holder)
    assert "欧阳娜娜" not in repr(holder)


def test_first_generation_card_has_no_name_extension_to_read() -> None:
    scripted = card({"00B2032806": ok("0304" + b"1.00".hex())})
    session = SocialSecurityCardSession(scripted)
    assert session.read_holder().name == "欧阳娜娜"
    assert "00B24E3016" not in scripted.sent


LONG_NAME = "阿卜杜热合曼·买买提明·艾则孜托合提"  # 18 characters, 36 GBK bytes


@pytest.mark.parametrize("pad", ["00", "FF"])
def test_long_name_continues_in_the_extension_with_either_padding(pad: str) -> None:
    raw = LONG_NAME.encode("gbk").hex().upper()
    head, tail = raw[:60], raw[60:]
    scripted = card({
        "00B2093020": ok("091E" + head),
        "00B24E3016": ok("4E14" + tail + pad * (20 - len(tail) // 2)),
    })
    assert SocialSecurityCardSession(scripted).read_holder().name == LONG_NAME


def test_name_split_inside_a_character_is_joined_before_decoding() -> None:
    raw = "阿卜杜".encode("gbk")
    assert join_name(raw[:3] + b"\x00" * 27, raw[3:] + b"\xff" * 17) == "阿卜杜"
    assert join_name(raw[:3], raw[3:]) == "阿卜杜"


def test_third_generation_card_withholds_card_number_and_holder_until_authenticated() -> None:
    scripted = card({"00B207280B": "6982", "00B2083014": "6982", "00B2093020": "6982"})
    session = SocialSecurityCardSession(scripted)
    assert session.read_card_info().card_number is None
    with pytest.raises(SecurityStatusNotSatisfied) as caught:
        session.read_holder()
    assert caught.value.code == -27010


def test_t0_wrong_le_is_resent_with_the_length_the_card_gives() -> None:
    scripted = card({"00B2012812": ["6C12", ok(f"0110{CARD_ID}")]})
    session = SocialSecurityCardSession(scripted)
    session.read_card_info()
    assert scripted.sent.count("00B2012812") == 2


def test_record_with_the_wrong_tag_is_a_data_error() -> None:
    scripted = card({"00B2022803": ok("030133")})
    with pytest.raises(CardDataError, match="record 02"):
        SocialSecurityCardSession(scripted).read_card_info()


def test_bad_date_is_a_data_error() -> None:
    scripted = card({"00B2052806": ok("050420241315")})
    with pytest.raises(CardDataError, match="issue date"):
        SocialSecurityCardSession(scripted).read_card_info()


def test_missing_record_is_reported_with_its_status_word() -> None:
    scripted = card({"00B20A3003": "6A83"})
    with pytest.raises(CardCommandError) as caught:
        SocialSecurityCardSession(scripted).read_holder()
    assert caught.value.sw == 0x6A83
    assert caught.value.code == -0x6A83


VERIFY_123456 = "0020000003123456"


def test_verify_pin_sends_bcd_pin() -> None:
    scripted = card({VERIFY_123456: "9000"})
    SocialSecurityCardSession(scripted).verify_pin("123456")
    assert scripted.sent[-1] == VERIFY_123456


def test_odd_length_pin_is_padded_with_f() -> None:
    scripted = card({"00200000031234 5F".replace(" ", ""): "9000"})
    SocialSecurityCardSession(scripted).verify_pin("12345")


@pytest.mark.parametrize(("sw", "tries"), [("63C2", 2), ("63C1", 1)])
def test_wrong_pin_counts_down(sw: str, tries: int) -> None:
    scripted = card({VERIFY_123456: sw})
    with pytest.raises(WrongPin) as caught:
        SocialSecurityCardSession(scripted).verify_pin("123456")
    assert caught.value.tries_left == tries
    assert caught.value.code == -51


@pytest.mark.parametrize("sw", ["63C0", "6983"])
def test_last_wrong_pin_and_blocked_pin_are_pin_blocked(sw: str) -> None:
    scripted = card({VERIFY_123456: sw})
    with pytest.raises(PinBlocked) as caught:
        SocialSecurityCardSession(scripted).verify_pin("123456")
    assert caught.value.code == -52


def test_change_pin_sends_old_ff_new() -> None:
    scripted = card({"805E010007123456FF654321": "9000"})
    SocialSecurityCardSession(scripted).change_pin("123456", "654321")
    assert scripted.sent[-1] == "805E010007123456FF654321"


@pytest.mark.parametrize("pin", ["", "123", "12345a", "1234567890123"])
def test_malformed_pin_is_refused_before_anything_is_sent(pin: str) -> None:
    scripted = card()
    session = SocialSecurityCardSession(scripted)
    with pytest.raises(ValueError, match="4 to 12 digits"):
        session.verify_pin(pin)
    assert scripted.sent == [SELECT_SSSE]


def make_jpeg(size: tuple[int, int] = (102, 126), exif_thumbnail: bool = False) -> bytes:
    image = Image.new("RGB", size, (90, 140, 200))
    ImageDraw.Draw(image).ellipse((30, 20, 72, 70), fill=(240, 200, 170))
    out = io.BytesIO()
    if exif_thumbnail:
        # An APP1 segment that carries a whole JPEG (with its own end marker) inside it.
        thumb = io.BytesIO()
        image.resize((16, 16)).save(thumb, "JPEG")
        exif = Image.Exif()
        exif[0x010E] = "thumb"
        image.save(out, "JPEG", quality=85, exif=exif.tobytes() + thumb.getvalue())
    else:
        image.save(out, "JPEG", quality=85)
    return out.getvalue()


JPEG = make_jpeg()


def photo_script(ef08: bytes, end_sw: str = "6A86") -> dict[str, str | list[str]]:
    script: dict[str, str | list[str]] = {"00A40200020008": "9000"}
    for offset in range(0, len(ef08) + 1, 0xF0):
        chunk = ef08[offset : offset + 0xF0]
        command = f"00B0{offset >> 8:02X}{offset & 0xFF:02X}F0"
        script[command] = chunk.hex().upper() + "9000" if chunk else end_sw
    return script


def test_photo_is_read_in_chunks_and_stops_at_the_jpeg_end() -> None:
    ef08 = JPEG + bytes(16384 - len(JPEG))  # the profile's 16 KiB file, 00 after the photo
    scripted = card(photo_script(ef08))
    assert SocialSecurityCardSession(scripted).read_photo() == JPEG
    reads = [c for c in scripted.sent if c.startswith("00B0")]
    assert scripted.sent[1] == "00A40200020008"
    assert reads[:3] == ["00B00000F0", "00B000F0F0", "00B001E0F0"]
    assert len(reads) == -(-len(JPEG) // 0xF0)  # no chunk after the one holding the end


def test_photo_file_shorter_than_its_jpeg_is_read_to_the_end_of_file_status() -> None:
    truncated = JPEG[: 0xF0 * 2]  # the file ends on a chunk boundary, before the end marker
    scripted = card(photo_script(truncated, end_sw="6A86"))
    assert SocialSecurityCardSession(scripted).read_photo() == truncated
    assert scripted.sent[-1] == "00B001E0F0"


def test_jpeg_end_skips_an_exif_thumbnails_own_end_marker() -> None:
    photo = make_jpeg(exif_thumbnail=True)
    assert photo.count(b"\xff\xd9") >= 2
    assert jpeg_end(photo + bytes(100)) == len(photo)
    assert jpeg_end(photo[:-1]) is None
    assert jpeg_end(b"not a jpeg") is None


def test_empty_photo_file_reads_as_no_photo() -> None:
    scripted = card(photo_script(bytes(0xF0 * 2)))
    assert SocialSecurityCardSession(scripted).read_photo() == b""


@pytest.mark.parametrize(
    ("sw", "state"),
    [
        ("9000", PinState(verified=True, tries_left=None, blocked=False)),
        ("63C2", PinState(verified=False, tries_left=2, blocked=False)),
        ("6983", PinState(verified=False, tries_left=0, blocked=True)),
        ("6700", PinState(verified=False, tries_left=None, blocked=False)),
    ],
)
def test_pin_state_from_an_empty_verify(sw: str, state: PinState) -> None:
    scripted = card({"00200000": sw})  # case 1: header only
    assert SocialSecurityCardSession(scripted).pin_state() == state
