"""Open Badges 3.0 credentials: eddsa-jcs-2022 as the W3C writes it, checked by us and by an
independent implementation (Digital Bazaar's vc, run offline with Node.js)."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lms.certificates import badge
from lms.certificates.keys import KeyStore, SigningKey, app_store
from tests.course_helpers import load_sample
from tests.factories import login, make_user
from tests.test_certificates import certify, signed_institution

ROOT = Path(__file__).resolve().parent.parent
VECTOR = json.loads((ROOT / "tests" / "fixtures" / "eddsa-jcs-2022" / "vector.json").read_text())
VERIFIER = ROOT / "tests" / "verifier"


def _vector_key() -> SigningKey:
    secret = badge.from_multibase(VECTOR["keyPair"]["secretKeyMultibase"])
    assert secret[:2] == b"\x80\x26"  # multicodec ed25519-priv
    return SigningKey("w3c", Ed25519PrivateKey.from_private_bytes(secret[2:]))


# The W3C test vector -----------------------------------------------------------------------


def test_signing_reproduces_the_w3c_eddsa_jcs_2022_vector():
    key = _vector_key()
    assert badge.did_key(key.public) == "did:key:" + VECTOR["keyPair"]["publicKeyMultibase"]
    signed = badge.sign(VECTOR["unsecuredDocument"], key, datetime.fromisoformat(VECTOR["created"]))
    assert signed == VECTOR["securedDocument"]
    proof_config = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    assert badge.jcs(proof_config).decode() == VECTOR["canonicalProofConfig"]
    assert badge.jcs(VECTOR["unsecuredDocument"]).decode() == VECTOR["canonicalDocument"]
    assert badge.from_multibase(signed["proof"]["proofValue"]).hex() == VECTOR["signatureHex"]


def test_verifying_accepts_the_w3c_vector_and_refuses_its_altered_copies():
    secured = VECTOR["securedDocument"]
    assert badge.verify_proof(secured) == VECTOR["unsecuredDocument"]

    altered = copy.deepcopy(secured)
    altered["credentialSubject"]["alumniOf"] = "Another School"
    without_context = copy.deepcopy(secured)
    del without_context["proof"]["@context"]  # what the platform published before: not what was signed
    other_context = copy.deepcopy(secured)
    other_context["@context"] = ["https://www.w3.org/ns/credentials/v2", "https://example.org/other"]
    later = copy.deepcopy(secured)
    later["proof"]["created"] = "2023-02-24T23:36:39Z"
    not_a_time = copy.deepcopy(secured)
    not_a_time["proof"]["created"] = "yesterday"
    for copy_, message in [
        (altered, "does not match"), (without_context, "does not match"),
        (other_context, "does not begin with"), (later, "does not match"),
        (not_a_time, "creation time"),
    ]:
        with pytest.raises(badge.InvalidProofError, match=message):
            badge.verify_proof(copy_)


def _altered(path: tuple, value):
    document = copy.deepcopy(VECTOR["securedDocument"])
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return document


@pytest.mark.parametrize("secured", [
    _altered(("proof", "proofValue"), 5),
    _altered(("proof", "proofValue"), "z0OIl"),  # not base58
    _altered(("proof", "proofValue"), "z"),
    _altered(("proof", "verificationMethod"), 5),
    _altered(("proof", "verificationMethod"), "did:key:zzz"),
    _altered(("proof", "verificationMethod"), "https://vc.example/issuers/5678#key-1"),
    _altered(("proof", "@context"), {"@vocab": "https://example.org/"}),
    _altered(("proof", "created"), "2023-02-24"),
    _altered(("proof", "proofPurpose"), "authentication"),
    _altered(("proof", "cryptosuite"), "eddsa-rdfc-2022"),
    _altered(("proof",), [VECTOR["securedDocument"]["proof"]]),
    _altered(("credentialSubject", "age"), float("nan")),
    _altered(("credentialSubject", "age"), 2**60),  # beyond what JSON numbers hold exactly
    [1], "text", None,
])
def test_malformed_credentials_are_refused_with_a_reason(secured):
    with pytest.raises(badge.InvalidProofError):
        badge.verify_proof(secured)
    with pytest.raises(badge.InvalidProofError):
        badge.verify(secured, {})


def test_canonicalisation_is_rfc8785_where_sorted_json_is_not():
    # Numbers in their shortest ECMAScript form, keys ordered by UTF-16 code units
    # (U+1F600 is D83D DE00, before U+FB01), strings unescaped where JSON allows.
    value = {"ﬁ": 1.0, "\U0001F600": [1e21, 1e-7, 0.1, -0.0], "é": "\u2028"}
    assert badge.jcs(value) == '{"é":"\u2028","😀":[1e+21,1e-7,0.1,0],"ﬁ":1}'.encode()
    naive = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert naive != badge.jcs(value)


def test_identity_hash_is_the_open_badges_one():
    # The Open Badges 3.0 specification's own example (IdentityHash).
    assert badge.identity_hash("a@example.com", "Kosher") == (
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399")


# The platform's credential -----------------------------------------------------------------


def _served(client, officer, cert) -> tuple[bytes, dict]:
    login(client, officer)
    response = client.get(f"/certificates/{cert.serial}/badge.json")
    assert response.status_code == 200
    return response.data, json.loads(response.data)


@pytest.fixture
def served(client, ctx):
    version = load_sample()
    officer = make_user(institution=signed_institution(), number="b1")
    officer.name_native, officer.name_latin = "Әсем Ғалымқызы Өтеуова", "Asem Galymkyzy Oteuova"
    cert = certify(officer, version)
    data, signed = _served(client, officer, cert)
    return cert, data, signed


def test_served_credential_verifies_with_the_published_keys(client, served):
    cert, _, signed = served
    assert signed["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert signed["@context"] == badge.CONTEXT
    assert signed["proof"]["@context"] == signed["@context"]
    assert signed["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert signed["credentialSubject"]["achievement"]["name"].startswith("First steps")
    assert signed["issuer"]["id"] == badge.did_key(app_store().current().public)
    published = client.get("/certificates/public-keys").get_json()
    assert badge.verify(signed, published)["id"].endswith(f"/verify/{cert.serial}")


def test_the_holder_is_named_by_salted_hashes_only(client, served):
    cert, data, signed = served
    text = data.decode()
    for name in ("Әсем", "Oteuova", cert.name_native, cert.name_latin):
        assert name not in text
    identifiers = signed["credentialSubject"]["identifier"]
    assert len(identifiers) == 2
    for item in identifiers:
        assert item["type"] == "IdentityObject" and item["identityType"] == "name"
        assert item["hashed"] is True and item["identityHash"].startswith("sha256$") and len(item["salt"]) >= 16
    assert badge.holder_named(signed, "Әсем Ғалымқызы Өтеуова")
    assert badge.holder_named(signed, "Asem Galymkyzy Oteuova")
    assert not badge.holder_named(signed, "Asem Oteuova")
    # Each download has its own salt, so two copies cannot be linked by the hash.
    _, again = _served(client, cert.user, cert)
    assert again["credentialSubject"]["identifier"][0]["salt"] != identifiers[0]["salt"]


def test_our_issuer_signed_with_another_key_is_refused(served):
    _, _, signed = served
    published = app_store().published()
    other = SigningKey("other", Ed25519PrivateKey.generate())
    unsigned = {k: v for k, v in signed.items() if k != "proof"}

    # Names our issuer, signed with another key: the issuer does not control that key.
    forged = badge.sign(unsigned, other)
    assert badge.verify_proof(forged)  # the signature itself is sound
    with pytest.raises(badge.InvalidProofError, match="issuer does not control"):
        badge.verify(forged, published)

    # Names the other key as issuer too: consistent, but not a key the platform publishes.
    impostor = badge.sign({**unsigned, "issuer": {**unsigned["issuer"], "id": badge.did_key(other.public)}}, other)
    with pytest.raises(badge.InvalidProofError, match="does not publish"):
        badge.verify(impostor, published)

    # The proof names our key but claims a fragment that is not the key's own.
    wrong_fragment = copy.deepcopy(signed)
    wrong_fragment["proof"]["verificationMethod"] = signed["issuer"]["id"] + "#key-1"
    with pytest.raises(badge.InvalidProofError, match="verification method"):
        badge.verify(wrong_fragment, published)

    assert badge.verify(signed, published)


def test_credentials_signed_before_a_key_rotation_still_verify(served, tmp_path):
    _, _, signed = served
    store = KeyStore(tmp_path / "keys")  # its own keys folder: the app's keys stay as they are
    old = store.current()
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    before = badge.sign({**unsigned, "issuer": {**unsigned["issuer"], "id": badge.did_key(old.public)}}, old)
    store.rotate()
    assert badge.verify(before, store.published())
    assert badge.verify(before, list(store.public_keys().values()))
    with pytest.raises(badge.InvalidProofError, match="does not publish"):
        badge.verify(before, {store.current().id: store.current().public})


def test_cli_verifies_a_badge_file_and_its_holder(runner, served, tmp_path):
    _, data, signed = served
    good = tmp_path / "good.badge.json"
    good.write_bytes(data)
    result = runner.invoke(args=["certificates", "verify-badge", str(good), "--name", "Asem Galymkyzy Oteuova"])
    assert result.exit_code == 0, result.output
    assert "VALID" in result.output and "the name matches" in result.output

    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(app_store().published()))
    wrong_name = runner.invoke(args=["certificates", "verify-badge", str(good), "--public-keys", str(keys),
                                     "--name", "Someone Else"])
    assert wrong_name.exit_code == 1 and "not issued to this name" in wrong_name.output

    signed["credentialSubject"]["achievement"]["name"] = "Advanced course"
    altered = tmp_path / "altered.badge.json"
    altered.write_text(json.dumps(signed))
    result = runner.invoke(args=["certificates", "verify-badge", str(altered)])
    assert result.exit_code == 1 and "INVALID: the proof does not match" in result.output

    not_json = tmp_path / "not.json"
    not_json.write_text("{")
    result = runner.invoke(args=["certificates", "verify-badge", str(not_json)])
    assert result.exit_code == 1 and "INVALID" in result.output


# An independent implementation ---------------------------------------------------------------


@pytest.fixture(scope="session")
def independent_verifier():
    """`node tests/verifier/verify.mjs` with the npm packages `make verifier` installs."""
    node = shutil.which("node")
    if node is None or not (VERIFIER / "node_modules" / ".installed").exists():
        message = "the independent verifier is not installed: run `make verifier` (Node.js and npm)"
        if os.environ.get("LMS_REQUIRE_VERIFIER"):
            pytest.fail(message)
        pytest.skip(message)

    def run(documents: dict[str, dict], folder: Path) -> dict[str, dict]:
        files = []
        for name, document in documents.items():
            path = folder / f"{name}.json"
            path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
            files.append(str(path))
        done = subprocess.run([node, str(VERIFIER / "verify.mjs"), *files], capture_output=True,
                              text=True, timeout=60, check=True, cwd=VERIFIER)
        results = [json.loads(line) for line in done.stdout.splitlines()]
        return {Path(r["file"]).stem: r for r in results}

    return run


def test_an_independent_verifier_accepts_the_served_credential_and_refuses_altered_copies(
        served, independent_verifier, tmp_path):
    _, data, signed = served
    subject = copy.deepcopy(signed)
    subject["credentialSubject"]["achievement"]["name"] = "Advanced course"
    holder = copy.deepcopy(signed)
    holder["credentialSubject"]["identifier"][0]["salt"] = "0" * 32
    created = copy.deepcopy(signed)
    created["proof"]["created"] = "2020-01-01T00:00:00Z"
    no_proof_context = copy.deepcopy(signed)
    del no_proof_context["proof"]["@context"]  # as the platform served it before: "Invalid signature"
    unknown_context = copy.deepcopy(signed)
    unknown_context["@context"] = [*signed["@context"], "https://example.org/unknown-context.json"]

    results = independent_verifier({
        "served": json.loads(data), "subject": subject, "holder": holder, "created": created,
        "no_proof_context": no_proof_context, "unknown_context": unknown_context,
    }, tmp_path)

    assert results["served"] == {"file": str(tmp_path / "served.json"), "verified": True, "error": None}
    for name in ("subject", "holder", "created", "no_proof_context"):
        assert results[name]["verified"] is False, name
        assert "Invalid signature" in results[name]["error"], results[name]
    # The loader is offline: a context it does not hold is refused, never fetched.
    assert results["unknown_context"]["verified"] is False
    assert "is not known here" in results["unknown_context"]["error"]
