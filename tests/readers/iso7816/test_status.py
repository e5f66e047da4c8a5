"""Status words of profile §6 and their typed errors."""

import pytest

from readers.iso7816 import errors, status


@pytest.mark.parametrize(
    ("sw", "error_type"),
    [
        (0x63C2, errors.VerificationFailedError),
        (0x6983, errors.AuthenticationBlockedError),
        (0x6982, errors.SecurityStatusNotSatisfiedError),
        (0x6984, errors.ChallengeInvalidError),
        (0x6985, errors.ConditionsNotSatisfiedError),
        (0x6988, errors.MacInvalidError),
        (0x6700, errors.WrongLengthError),
        (0x6C10, errors.WrongLengthError),
        (0x6C00, errors.WrongLengthError),
        (0x6A82, errors.FileNotFoundOnCardError),
        (0x6A83, errors.RecordNotFoundError),
        (0x6A86, errors.WrongParametersError),
        (0x6A88, errors.KeyNotFoundError),
        (0x6A81, errors.NotSupportedError),
        (0x6D00, errors.NotSupportedError),
        (0x6E00, errors.NotSupportedError),
    ],
    ids=lambda value: f"{value:04X}" if isinstance(value, int) else value.__name__,
)
def test_status_word_maps_to_its_error_type(sw: int, error_type: type[errors.StatusError]) -> None:
    error = status.status_error(sw)

    assert type(error) is error_type
    assert error.sw == sw


@pytest.mark.parametrize("sw", [0x6981, 0x6986, 0x6A80, 0x6F00, 0x6100])
def test_other_status_words_give_the_plain_status_error(sw: int) -> None:
    error = status.status_error(sw)

    assert type(error) is errors.StatusError
    assert error.sw == sw


@pytest.mark.parametrize(("sw", "tries"), [(0x63C0, 0), (0x63C2, 2), (0x63CF, 15)])
def test_verification_failed_reports_tries_left(sw: int, tries: int) -> None:
    error = status.status_error(sw)

    assert isinstance(error, errors.VerificationFailedError)
    assert error.tries_left == tries
    assert status.tries_left(sw) == tries


@pytest.mark.parametrize("sw", [0x9000, 0x6983, 0x6300, 0x63B2, 0x62C2])
def test_tries_left_is_none_for_other_words(sw: int) -> None:
    assert status.tries_left(sw) is None


def test_wrong_le_error_says_how_many_bytes_the_card_has() -> None:
    assert "256 bytes" in str(status.status_error(0x6C00))
    assert "16 bytes" in str(status.status_error(0x6C10))


def test_check_accepts_9000() -> None:
    status.check(status.OK)


def test_check_raises_the_typed_error() -> None:
    with pytest.raises(errors.VerificationFailedError) as raised:
        status.check(0x63C1)

    assert raised.value.tries_left == 1


def test_every_status_error_is_a_kit_error_and_no_format_error() -> None:
    error = status.status_error(0x6A82)

    assert isinstance(error, errors.Iso7816Error)
    assert not isinstance(error, errors.FormatError)


@pytest.mark.parametrize(
    "error_type", [errors.MalformedApduError, errors.MalformedTlvError, errors.FieldCodecError]
)
def test_format_errors_are_value_errors(error_type: type[errors.FormatError]) -> None:
    assert issubclass(error_type, errors.FormatError)
    assert issubclass(error_type, ValueError)
