"""``sscard-keys``: key ceremonies for the social security card's key store.

Each step (create, generate, import, list, rotate, export) is appended to the ceremony
log (see ``keys.ceremony_log``). Prompts for the officers and custodians are Chinese;
secrets are typed without echo (``getpass``) unless given in files for automation.

Examples::

    sscard-keys --store keys.json create
    sscard-keys --store keys.json generate --label irk --algorithm SM4 --purpose IRK
    sscard-keys --store keys.json import --label irk --algorithm 3DES --purpose IRK --custodians 3
    sscard-keys --store keys.json export-psam --transport tk --out psam-keys.json
    sscard-keys --pkcs11-module /usr/lib/softhsm/libsofthsm2.so --token-label prov \\
        --pin-file pin.txt --log ceremony.log list
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from keys.algorithms import PSAM_KEY_PURPOSES, Algorithm, KeyPurpose
from keys.ceremony_log import CeremonyLog, Detail, anchor, verify_log
from keys.components import KeyComponent
from keys.errors import ComponentCheckFailed, KeyStoreError
from keys.kcv import key_check_value, parse_kcv
from keys.software_store import SoftwareKeyStore
from keys.store import KeyInfo, KeyRef, KeyStore, find, latest
from keys.store_file import (
    KeyEncryptionSecret,
    KeyFile,
    Passphrase,
    ScryptParams,
    write_key_file,
)

EXPORT_FORMAT = "sscard-psam-keys/1"


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ceremony step; 0 on success, 1 on a refused step, 2 on a usage error."""
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (KeyStoreError, ValueError, OSError) as error:
        print(f"错误：{error}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sscard-keys", description="Key ceremonies.")
    where = parser.add_argument_group("key store (a software store file, or a PKCS#11 token)")
    where.add_argument("--store", type=Path, help="software key store file")
    secret = where.add_mutually_exclusive_group()
    secret.add_argument("--passphrase-file", type=Path, help="read the passphrase from a file")
    secret.add_argument("--key-file", type=Path, help="open the store with a 32-byte key file")
    where.add_argument("--pkcs11-module", help="PKCS#11 library of the HSM")
    where.add_argument("--token-label", help="label of the HSM token")
    where.add_argument("--pin-file", type=Path, help="read the token user PIN from a file")
    parser.add_argument(
        "--log",
        type=Path,
        help="ceremony log of a PKCS#11 token (required with one); a software store's log is "
        "always <store>.ceremony.log",
    )
    commands = parser.add_subparsers(required=True, metavar="command")

    create = commands.add_parser("create", help="create an empty software key store")
    create.add_argument("--new-key-file", action="store_true", help="create --key-file as well")
    create.add_argument(
        "--scrypt-n", type=int, default=ScryptParams().n, help="scrypt cost (a power of two)"
    )
    create.set_defaults(run=_create)

    generate = commands.add_parser("generate", help="generate a new key")
    _key_kind(generate)
    generate.set_defaults(run=_generate)

    imports = commands.add_parser("import", help="import a key from custodians' components")
    _key_kind(imports)
    imports.add_argument("--custodians", type=int, choices=(2, 3), required=True)
    imports.add_argument(
        "--component-file",
        type=Path,
        action="append",
        default=[],
        help="a custodian's component in hex (automation; once per custodian)",
    )
    imports.add_argument(
        "--component-kcv",
        action="append",
        default=[],
        help="the check value read out for each --component-file",
    )
    imports.set_defaults(run=_import)

    listing = commands.add_parser("list", help="list keys (label, version, algorithm, KCV)")
    listing.set_defaults(run=_list)

    rotate = commands.add_parser("rotate", help="add a new version of a key")
    rotate.add_argument("--label", required=True)
    rotate.set_defaults(run=_rotate)

    export = commands.add_parser("export-psam", help="export the PSAM keys, wrapped")
    export.add_argument("--transport", required=True, help="label of the transport key")
    export.add_argument("--transport-version", type=int, help="default: its latest version")
    export.add_argument("--out", type=Path, required=True, help="export file (must not exist)")
    export.set_defaults(run=_export)

    check = commands.add_parser(
        "verify-log", help="check the ceremony log's chain and MACs (opens the store)"
    )
    check.add_argument("--anchors", type=Path, help="anchors file written by anchor-log")
    check.set_defaults(run=_verify_log)

    anchoring = commands.add_parser(
        "anchor-log",
        help="append a checkpoint of the log's head, under the store's MAC, to an anchors "
        "file kept where the log's writers cannot write",
    )
    anchoring.add_argument("--anchors", type=Path, required=True)
    anchoring.set_defaults(run=_anchor_log)
    return parser


def _key_kind(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--label", required=True)
    parser.add_argument(
        "--algorithm", type=Algorithm, required=True, help=", ".join(a.value for a in Algorithm)
    )
    parser.add_argument(
        "--purpose", type=KeyPurpose, required=True, help=", ".join(p.value for p in KeyPurpose)
    )


def _log(args: argparse.Namespace) -> CeremonyLog:
    """The store's ceremony log: beside a software store, always; given for a token."""
    if args.store is None:
        if args.log is None:
            raise ValueError("--log is required with a PKCS#11 token")
        return CeremonyLog(args.log)
    beside = args.store.with_name(args.store.name + ".ceremony.log")
    if args.log is not None and args.log.resolve() != beside.resolve():
        raise ValueError(f"a software store's ceremony log is {beside}; --log cannot move it")
    return CeremonyLog(beside)


def _read_secret_file(path: Path) -> str:
    return path.read_text(encoding="utf-8").rstrip("\r\n")


def _secret(args: argparse.Namespace, *, confirm: bool = False) -> KeyEncryptionSecret:
    if args.key_file is not None:
        return KeyFile(args.key_file)
    if args.passphrase_file is not None:
        return Passphrase(_read_secret_file(args.passphrase_file))
    text = getpass.getpass("请输入密钥库口令：")
    if confirm and getpass.getpass("请再次输入口令：") != text:
        raise ValueError("the two passphrases differ")
    return Passphrase(text)


def _open_store(args: argparse.Namespace) -> KeyStore:
    if args.store is not None:
        return SoftwareKeyStore.open(args.store, _secret(args))
    if args.pkcs11_module is None or args.token_label is None:
        raise ValueError("give --store, or --pkcs11-module with --token-label")
    from keys.pkcs11_store import Pkcs11KeyStore  # python-pkcs11 is an optional extra

    pin = (
        _read_secret_file(args.pin_file)
        if args.pin_file is not None
        else getpass.getpass("请输入加密机令牌 PIN：")
    )
    store = Pkcs11KeyStore.open(args.pkcs11_module, args.token_label, pin)
    try:
        store.keep_log_at(_log(args).path)
    except BaseException:
        store.close()
        raise
    return store


def _show(action: str, info: KeyInfo) -> None:
    print(
        f"{action}：{info.label} 版本 {info.version}（{info.algorithm}，{info.purpose}），"
        f"校验值 {info.kcv.hex().upper()}"
    )


def _create(args: argparse.Namespace) -> int:
    if args.store is None:
        raise ValueError("create makes a software store: give --store")
    if args.new_key_file:
        if args.key_file is None:
            raise ValueError("--new-key-file needs --key-file")
        write_key_file(args.key_file)
    secret = _secret(args, confirm=True)
    with _log(args).step("store-created", {"store": str(args.store)}) as step:
        created = SoftwareKeyStore.create(args.store, secret, ScryptParams(n=args.scrypt_n))
        step.opened(step.keep(contextlib.closing(created)).log_mac)
    print(f"已创建密钥库：{args.store}")
    return 0


def _kind(args: argparse.Namespace) -> dict[str, Detail]:
    return {"label": args.label, "algorithm": args.algorithm.value, "purpose": args.purpose.value}


def _generate(args: argparse.Namespace) -> int:
    with _log(args).step("key-generated", _kind(args)) as step:
        store = step.keep(contextlib.closing(_open_store(args)))
        step.opened(store.log_mac)
        info = store.generate(args.label, args.algorithm, args.purpose)
        step.details.update(store=repr(store), **info.describe())
    _show("已生成密钥", info)
    return 0


def _components(args: argparse.Namespace) -> list[KeyComponent]:
    files, kcvs = args.component_file, args.component_kcv
    if files:
        if len(files) != args.custodians or len(kcvs) != args.custodians:
            raise ValueError("give one --component-file and one --component-kcv per custodian")
        return [
            KeyComponent(_hex_component(_read_secret_file(path)), parse_kcv(kcv))
            for path, kcv in zip(files, kcvs, strict=True)
        ]
    parts = []
    for custodian in range(1, args.custodians + 1):
        value = _hex_component(
            getpass.getpass(f"保管人 {custodian}：请输入密钥分量（十六进制，不回显）：")
        )
        kcv = parse_kcv(input(f"保管人 {custodian}：请输入分量校验值："))
        parts.append(KeyComponent(value, kcv))
    return parts


def _hex_component(text: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ValueError("a key component is hexadecimal") from None


def _import(args: argparse.Namespace) -> int:
    parts = _components(args)
    with _log(args).step("key-imported", _kind(args)) as step:
        store = step.keep(contextlib.closing(_open_store(args)))
        step.opened(store.log_mac)
        try:
            info = store.import_components(args.label, args.algorithm, args.purpose, parts)
        except ComponentCheckFailed as error:
            step.details["custodian"] = error.custodian
            raise
        component_kcvs = [key_check_value(args.algorithm, p.value).hex().upper() for p in parts]
        step.details.update(
            store=repr(store),
            **info.describe(),
            custodians=len(parts),
            component_kcvs=component_kcvs,
        )
    _show("已导入密钥", info)
    return 0


def _list(args: argparse.Namespace) -> int:
    with _log(args).step("keys-listed", {}) as step:
        store = step.keep(contextlib.closing(_open_store(args)))
        step.opened(store.log_mac)
        infos = store.list_keys()
        step.details.update(store=repr(store), keys=len(infos))
    print(f"{'标签':<16}{'版本':>4}  {'算法':<8}{'用途':<8}校验值")
    for info in infos:
        print(
            f"{info.label:<18}{info.version:>6}  {info.algorithm.value:<10}"
            f"{info.purpose.value:<10}{info.kcv.hex().upper()}"
        )
    return 0


def _rotate(args: argparse.Namespace) -> int:
    with _log(args).step("key-rotated", {"label": args.label}) as step:
        store = step.keep(contextlib.closing(_open_store(args)))
        step.opened(store.log_mac)
        info = store.rotate(args.label)
        step.details.update(store=repr(store), **info.describe())
    _show("已轮换密钥", info)
    return 0


def _export(args: argparse.Namespace) -> int:
    with _log(args).step("psam-keys-exported", {"file": str(args.out)}) as step:
        store = step.keep(contextlib.closing(_open_store(args)))
        step.opened(store.log_mac)
        infos = store.list_keys()
        version = args.transport_version or latest(infos, args.transport).version
        transport = find(infos, KeyRef(args.transport, version))
        exported = [i for i in infos if i.purpose in PSAM_KEY_PURPOSES]
        if not exported:
            raise ValueError("the store holds no PSAM keys (IRK, RKSSSE, UK)")
        document = {
            "format": EXPORT_FORMAT,
            "wrapping": f"RFC 3394 key wrap under {transport.algorithm}",
            "transport": transport.describe(),
            "keys": [
                {
                    **i.describe(),
                    "wrapped": store.export_wrapped(i.ref, transport.ref).hex().upper(),
                }
                for i in exported
            ],
        }
        raw = json.dumps(document, indent=1).encode() + b"\n"
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(raw)
        step.details.update(
            store=repr(store),
            transport=f"{transport.ref} KCV {transport.kcv.hex().upper()}",
            keys=[f"{i.ref} KCV {i.kcv.hex().upper()}" for i in exported],
            file_sha256=hashlib.sha256(raw).hexdigest(),
        )
    print(
        f"已导出 {len(exported)} 个 PSAM 密钥至 {args.out}（传输密钥 {transport.ref}，"
        f"校验值 {transport.kcv.hex().upper()}）"
    )
    return 0


def _verify_log(args: argparse.Namespace) -> int:
    anchors = _anchors(args.anchors) if args.anchors else []
    with contextlib.closing(_open_store(args)) as store:
        lines = verify_log(_log(args).path, store.log_mac, anchors)
    checked = f"，{len(anchors)} 个锚点相符" if anchors else "（未给锚点：无法发现被截去的末尾）"
    print(f"仪式日志完整：{lines} 条记录{checked}")
    return 0


def _anchors(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _anchor_log(args: argparse.Namespace) -> int:
    with contextlib.closing(_open_store(args)) as store:
        line = anchor(_log(args).path, store.log_mac)
    descriptor = os.open(args.anchors, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as out:
        out.write(line + "\n")
        out.flush()
        os.fsync(out.fileno())
    print(f"已为仪式日志设锚点：第 {json.loads(line)['seq']} 条，存于 {args.anchors}")
    return 0
