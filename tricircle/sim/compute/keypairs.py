"""Nova keypairs, per user: import a public key, or have one generated."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import struct
from typing import Any

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from tricircle.sim.compute.common import body_of, invalid, state
from tricircle.sim.compute.model import Keypair
from tricircle.sim.http import SimError, isotime, json_response, read_json
from tricircle.sim.service import ctx, microversion

_NAME_RE = re.compile(r"^[a-zA-Z0-9 _.@-]+$")


def _fingerprint(public_key: str, key_type: str = "ssh") -> str:
    """MD5 over the key blob, colon separated, as Nova computes it for ssh keys; SHA-1
    over the certificate for x509 ones."""
    if key_type == "x509":
        try:
            certificate = x509.load_pem_x509_certificate(public_key.encode())
        except ValueError:
            raise SimError(400, "Keypair data is invalid: failed to generate fingerprint") from None
        return ":".join(f"{byte:02x}" for byte in certificate.fingerprint(hashes.SHA1()))
    parts = public_key.split()
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (IndexError, binascii.Error):
        raise SimError(400, "Keypair data is invalid: failed to generate fingerprint") from None
    digest = hashlib.md5(blob).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def _generate() -> tuple[str, str]:
    """A well-formed ssh-ed25519 public key and a matching-looking private key block.

    The simulator never logs into anything, so random key material is enough."""
    raw = os.urandom(32)
    algo = b"ssh-ed25519"
    blob = struct.pack(">I", len(algo)) + algo + struct.pack(">I", len(raw)) + raw
    public = f"ssh-ed25519 {base64.b64encode(blob).decode()} Generated-by-Nova"
    body = base64.encodebytes(b"openssh-key-v1\x00" + blob + os.urandom(64)).decode()
    private = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{body}-----END OPENSSH PRIVATE KEY-----\n"
    return public, private


def _view(kp: Keypair, mv: tuple[int, int], full: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": kp.name,
        "public_key": kp.public_key,
        "fingerprint": kp.fingerprint,
    }
    if mv >= (2, 2):
        body["type"] = kp.type
    if full:
        body.update(
            {
                "user_id": kp.user_id,
                "created_at": isotime(kp.created_at),
                "deleted": False,
                "deleted_at": None,
                "updated_at": None,
                "id": kp.seq,
            }
        )
    return body


def _owner(request: web.Request) -> str:
    """Whose keypairs: the caller's, or `user_id` for admins from 2.10."""
    context = ctx(request)
    wanted = request.rel_url.query.get("user_id")
    if wanted and microversion(request) >= (2, 10) and wanted != context.user_id:
        if not context.is_admin:
            raise SimError(
                403, "Policy doesn't allow os_compute_api:os-keypairs:index to be performed."
            )
        return wanted
    return context.user_id


async def list_keypairs(request: web.Request) -> web.Response:
    user = _owner(request)
    mv = microversion(request)
    mine = sorted(
        (k for k in state(request).keypairs.values() if k.user_id == user), key=lambda k: k.name
    )
    return json_response({"keypairs": [{"keypair": _view(k, mv, False)} for k in mine]})


def _get(request: web.Request) -> Keypair:
    user = _owner(request)
    name = request.match_info["name"]
    kp = state(request).keypairs.get((user, name))
    if kp is None:
        raise SimError(404, f"Keypair {name} not found for user {user}")
    return kp


async def show_keypair(request: web.Request) -> web.Response:
    return json_response({"keypair": _view(_get(request), microversion(request), True)})


async def create_keypair(request: web.Request) -> web.Response:
    mv = microversion(request)
    context = ctx(request)
    spec = body_of(await read_json(request), "keypair")
    name = spec.get("name")
    if not isinstance(name, str):
        raise invalid("keypair", spec, "'name' is a required property")
    if not 1 <= len(name) <= 255 or not _NAME_RE.match(name):
        raise SimError(400, "Keypair data is invalid: Keypair name contains unsafe characters")
    user = context.user_id
    if spec.get("user_id") and mv >= (2, 10) and spec["user_id"] != user:
        if not context.is_admin:
            raise SimError(
                403, "Policy doesn't allow os_compute_api:os-keypairs:create to be performed."
            )
        user = spec["user_id"]
    compute = state(request)
    if (user, name) in compute.keypairs:
        raise SimError(409, f"Key pair '{name}' already exists.")
    owned = sum(1 for k in compute.keypairs.values() if k.user_id == user)
    if owned >= compute.quota.key_pairs:
        raise SimError(403, "Quota exceeded, too many key pairs.")
    public_key = spec.get("public_key")
    private_key = None
    if public_key is None:
        if mv >= (2, 92):
            raise invalid("keypair", spec, "'public_key' is a required property")
        public_key, private_key = _generate()
    key_type = spec.get("type", "ssh")
    kp = Keypair(name, user, public_key, _fingerprint(public_key, key_type), key_type)
    compute.keypairs[(user, name)] = kp
    body = _view(kp, mv, False)
    body["user_id"] = user
    if private_key:
        body["private_key"] = private_key
    return json_response({"keypair": body}, 201 if mv >= (2, 2) else 200)


async def delete_keypair(request: web.Request) -> web.Response:
    kp = _get(request)
    del state(request).keypairs[(kp.user_id, kp.name)]
    return web.Response(status=204 if microversion(request) >= (2, 2) else 202)


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/compute/v2.1/os-keypairs", list_keypairs)
    router.add_post("/compute/v2.1/os-keypairs", create_keypair)
    router.add_get("/compute/v2.1/os-keypairs/{name}", show_keypair)
    router.add_delete("/compute/v2.1/os-keypairs/{name}", delete_keypair)
