"""Key management and card cryptography (profile §5). Imports nothing of the project.

Pure functions, one job per module: ``diversify`` (the key hierarchy), ``cryptogram``,
``mac`` (CBC-MACs and the PIN-command MAC), ``pin`` (UNBLOCK PIN's enciphered PIN),
``kcv`` (check values), ``wrap`` (key wrapping for export), ``components`` (custodians'
key components), ``compare`` (constant-time comparison).

Key stores work on key references (``store.KeyStore``): ``SoftwareKeyStore`` (one
encrypted file) and ``Pkcs11KeyStore`` (an HSM; in ``keys.pkcs11_store``, which needs the
``pkcs11`` extra). Errors are listed in ``keys.errors``.
"""

from keys.algorithms import Algorithm, KeyPurpose
from keys.components import KeyComponent
from keys.diversify import CardKeyPath
from keys.errors import KeyStoreError
from keys.software_store import SoftwareKeyStore
from keys.store import KeyInfo, KeyRef, KeyStore, verify_cryptogram
from keys.store_file import KeyFile, Passphrase, ScryptParams

__all__ = [
    "Algorithm",
    "CardKeyPath",
    "KeyComponent",
    "KeyFile",
    "KeyInfo",
    "KeyPurpose",
    "KeyRef",
    "KeyStore",
    "KeyStoreError",
    "Passphrase",
    "ScryptParams",
    "SoftwareKeyStore",
    "verify_cryptogram",
]
