"""Status words: names, tries-left decoding, and the translation to typed errors."""

from __future__ import annotations

from readers.iso7816 import errors

OK = 0x9000
WRONG_LENGTH = 0x6700
COMMAND_INCOMPATIBLE = 0x6981
SECURITY_STATUS_NOT_SATISFIED = 0x6982
AUTHENTICATION_BLOCKED = 0x6983
CHALLENGE_INVALID = 0x6984
CONDITIONS_NOT_SATISFIED = 0x6985
NO_CURRENT_EF = 0x6986
MAC_INVALID = 0x6988
WRONG_DATA = 0x6A80
FUNCTION_NOT_SUPPORTED = 0x6A81
FILE_NOT_FOUND = 0x6A82
RECORD_NOT_FOUND = 0x6A83
WRONG_P1P2 = 0x6A86
KEY_NOT_FOUND = 0x6A88
INS_NOT_SUPPORTED = 0x6D00
CLA_NOT_SUPPORTED = 0x6E00

MORE_DATA_SW1 = 0x61
WRONG_LE_SW1 = 0x6C
VERIFICATION_FAILED_MASK = 0x63C0

_ERROR_TYPES: dict[int, type[errors.StatusError]] = {
    WRONG_LENGTH: errors.WrongLengthError,
    SECURITY_STATUS_NOT_SATISFIED: errors.SecurityStatusNotSatisfiedError,
    AUTHENTICATION_BLOCKED: errors.AuthenticationBlockedError,
    CHALLENGE_INVALID: errors.ChallengeInvalidError,
    CONDITIONS_NOT_SATISFIED: errors.ConditionsNotSatisfiedError,
    MAC_INVALID: errors.MacInvalidError,
    FILE_NOT_FOUND: errors.FileNotFoundOnCardError,
    RECORD_NOT_FOUND: errors.RecordNotFoundError,
    WRONG_P1P2: errors.WrongParametersError,
    KEY_NOT_FOUND: errors.KeyNotFoundError,
    FUNCTION_NOT_SUPPORTED: errors.NotSupportedError,
    INS_NOT_SUPPORTED: errors.NotSupportedError,
    CLA_NOT_SUPPORTED: errors.NotSupportedError,
}


def tries_left(sw: int) -> int | None:
    """The x of ``63Cx`` (verification failed, x tries left); None for any other word."""
    if sw & 0xFFF0 == VERIFICATION_FAILED_MASK:
        return sw & 0x0F
    return None


def status_error(sw: int) -> errors.StatusError:
    """The typed error for a status word that is not 9000."""
    if tries_left(sw) is not None:
        return errors.VerificationFailedError(sw)
    if sw >> 8 == WRONG_LE_SW1:
        return errors.WrongLengthError(sw, f"wrong Le, card has {sw & 0xFF or 256} bytes")
    return _ERROR_TYPES.get(sw, errors.StatusError)(sw)


def check(sw: int) -> None:
    """Raise the typed error unless ``sw`` is 9000."""
    if sw != OK:
        raise status_error(sw)
