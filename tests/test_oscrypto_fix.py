"""flask-ask-sdk imports on this machine's OpenSSL, whatever its version."""

import re
import ssl
import subprocess
import sys

IMPORT_FLASK_ASK_SDK = (
    "from skill.alexa import oscrypto_fix; oscrypto_fix.install();"
    "import flask_ask_sdk.skill_adapter, certvalidator;"
    "from oscrypto._openssl import _libcrypto;"
    "print(_libcrypto.libcrypto_version)"
)


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_flask_ask_sdk_imports_and_oscrypto_reads_the_full_openssl_version():
    result = _run(IMPORT_FLASK_ASK_SDK)
    assert result.returncode == 0, result.stderr
    # The same library Python's ssl module links, version and all ("3.0.19").
    assert result.stdout.strip() == re.search(r"\d+\.\d+\.\d+\w*", ssl.OPENSSL_VERSION)[0]


def test_installing_twice_adds_one_finder():
    result = _run(
        "import sys; from skill.alexa import oscrypto_fix; oscrypto_fix.install(); oscrypto_fix.install();"
        "print(sum(type(f).__name__ == '_VersionModuleFinder' for f in sys.meta_path))"
    )
    assert result.stdout.strip() == "1", result.stderr
