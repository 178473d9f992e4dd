"""Lets flask-ask-sdk import on OpenSSL 3.0.10 and later.

flask-ask-sdk imports ask-sdk-webservice-support, which imports certvalidator,
which imports oscrypto. oscrypto 1.3.0 (the latest release) reads the OpenSSL
version with the pattern ``\\d\\.\\d\\.\\d``, so "OpenSSL 3.0.19" does not
match and the import fails with "Error detecting the version of libcrypto".
Upstream fixed the pattern (oscrypto issues #75 and #78) but never released it.

Rather than depend on an unreleased commit or a fork, :func:`install` applies
that same one-line upstream fix while oscrypto's two version-detection modules
are loaded. Nothing else in oscrypto changes, and on an oscrypto that is already
fixed the broken pattern is absent and the loader compiles the file unchanged.
"""

import importlib.abc
import importlib.machinery
import sys

_VERSION_MODULES = frozenset(
    {"oscrypto._openssl._libcrypto_cffi", "oscrypto._openssl._libcrypto_ctypes"}
)
_BROKEN_PATTERN = rb"'\\b(\\d\\.\\d\\.\\d[a-z]*)\\b'"
_FIXED_PATTERN = rb"'\\b(\\d+\\.\\d+\\.\\d+[a-z]*)\\b'"


class _FixedVersionLoader(importlib.machinery.SourceFileLoader):
    def get_code(self, fullname):
        # Always compile from source: a cached .pyc holds the broken pattern.
        source = self.get_data(self.path).replace(_BROKEN_PATTERN, _FIXED_PATTERN)
        return self.source_to_code(source, self.path)


class _VersionModuleFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname not in _VERSION_MODULES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            spec.loader = _FixedVersionLoader(spec.loader.name, spec.loader.path)
        return spec


def install():
    """Idempotent; call before anything imports flask_ask_sdk."""
    if not any(isinstance(finder, _VersionModuleFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _VersionModuleFinder())
