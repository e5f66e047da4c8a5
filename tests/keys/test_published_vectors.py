"""Known-answer tests from published vectors: the primitives and our constructions over them."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes

from keys.algorithms import Algorithm, ecb_decrypt, ecb_encrypt
from keys.kcv import key_check_value
from keys.mac import pad_method_2, retail_mac
from keys.wrap import unwrap_key, wrap_key


def test_sm4_gbt_32907_example() -> None:
    # GB/T 32907-2016, Appendix A example 1: key = plaintext.
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    ciphertext = bytes.fromhex("681EDF34D206965E86B3E94F536E4246")
    assert ecb_encrypt(Algorithm.SM4, key, key) == ciphertext
    assert ecb_decrypt(Algorithm.SM4, key, ciphertext) == key


def test_sm3_abc() -> None:
    # GB/T 32905-2016, Appendix A example 1.
    digest = hashes.Hash(hashes.SM3())
    digest.update(b"abc")
    assert digest.finalize() == bytes.fromhex(
        "66C7F0F4 62EEEDD9 D1F2D46B DC10E4E2 4167C487 5CF2F7A2 297DA02B 8F4BA8E0"
    )


@pytest.mark.parametrize(
    ("algorithm", "key", "kcv"),
    [
        # GlobalPlatform default test key (ISD keys of test cards): KCV 8BAF47.
        (Algorithm.TDES, "404142434445464748494A4B4C4D4E4F", "8BAF47"),
        # NIST AESAVS ECBVarKey128 COUNT=0: E(80 00…00, zero block) = 0EDD33D3…
        (Algorithm.AES128, "80000000000000000000000000000000", "0EDD33"),
        # GB/T 32907 example 1 gives E_K(K) only; the SM4 zero-block KCV is checked
        # against raw primitives in test_profile_vectors.py.
    ],
)
def test_kcv(algorithm: Algorithm, key: str, kcv: str) -> None:
    assert key_check_value(algorithm, bytes.fromhex(key)) == bytes.fromhex(kcv)


@pytest.mark.parametrize(
    ("key", "message", "expected"),
    [
        # ICAO Doc 9303 Part 11, Appendix D.3 (BAC mutual authentication): MAC of E_IFD
        # under K_MAC, ISO/IEC 9797-1 MAC algorithm 3, padding method 2, zero IV.
        (
            "7962D9ECE03D1ACD4C76089DCE131543",
            "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2",
            "5F1448EEA8AD90A7",
        ),
        # ICAO Doc 9303 Part 11, Appendix D.4 (secure messaging, SELECT EF.COM): MAC of
        # SSC ‖ padded header ‖ DO87 under KS_MAC.
        (
            "F1CB1F1FB5ADF208806B89DC579DC1F8",
            "887022120C06C227 0CA4020C80000000 8709016375432908C044F6",
            "BF8B92D635FF24F8",
        ),
    ],
)
def test_retail_mac_icao_9303(key: str, message: str, expected: str) -> None:
    padded = pad_method_2(bytes.fromhex(message), 8)
    assert retail_mac(bytes.fromhex(key), bytes(8), padded) == bytes.fromhex(expected)


def test_aes_key_wrap_rfc_3394() -> None:
    # RFC 3394 §4.1: wrap 128 bits of key data with a 128-bit KEK; §4.6: 256 with 256.
    kek128 = bytes.fromhex("000102030405060708090A0B0C0D0E0F")
    kek256 = bytes.fromhex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")
    data128 = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
    data256 = bytes.fromhex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")
    wrapped128 = bytes.fromhex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5")
    wrapped256 = bytes.fromhex(
        "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"
    )
    assert wrap_key(Algorithm.AES128, kek128, data128) == wrapped128
    assert wrap_key(Algorithm.AES256, kek256, data256) == wrapped256
    assert unwrap_key(Algorithm.AES256, kek256, wrapped256) == data256
