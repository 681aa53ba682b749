"""moto_server with IAM enforced and S3 signatures checked over the request target as sent.

moto 5.2 checks a signature over werkzeug's decoded path and query, so any key with `=` or a
list prefix with `/` fails with SignatureDoesNotMatch (for boto3 too). This launcher keeps
moto's check but gives it the raw request target (werkzeug's RAW_URI), as AWS does.
Usage: python3 moto_iam_server.py HOST PORT (INITIAL_NO_AUTH_ACTION_COUNT in the environment).
"""
import sys
from urllib.parse import urlparse

from moto.core import authorization, responses

_setup = responses.BaseResponse.setup_class
_authorize = authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action


def setup_class(self, request, full_url, headers, *args, **kwargs):
    _setup(self, request, full_url, headers, *args, **kwargs)
    environ = getattr(request, "environ", None) or {}
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    self._raw_target = raw if raw else None


def authorize(self, iam_request_cls, resource="*"):
    # AWS takes AssumeRoleWithWebIdentity unsigned (the token is the proof): so does this server.
    if "Authorization" not in self.headers and self._get_action() == "AssumeRoleWithWebIdentity":
        return None
    raw = getattr(self, "_raw_target", None)
    if raw is None:
        return _authorize(self, iam_request_cls, resource)
    decoded_uri = self.uri
    parsed = urlparse(decoded_uri)
    raw_parsed = urlparse(raw)
    self.uri = parsed._replace(path=raw_parsed.path, query=raw_parsed.query).geturl()
    try:
        return _authorize(self, iam_request_cls, resource)
    finally:
        self.uri = decoded_uri


responses.BaseResponse.setup_class = setup_class
authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action = authorize

if __name__ == "__main__":
    from moto.server import main

    main(["-H", sys.argv[1], "-p", sys.argv[2]])
