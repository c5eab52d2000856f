"""moto_server, with the resources of Secrets Manager and SSM Parameter Store requests evaluated as IAM evaluates them.

moto 5 checks a Secrets Manager or SSM request's action against identity policies but not its resource: it checks
every such request against the resource `*`, which a statement naming an ARN never matches (the request is refused
though granted), and it reads a policy's `?` as a regular expression (GetSecretValue against a `secret:name-??????`
ARN answers 500). This launcher gives moto's check the ARN the request names (the secret's, looked up by name or ARN
as Secrets Manager resolves it; the parameter's) and IAM's wildcards (`*` any run, `?` one character). It also
evaluates `s3:prefix` conditions (moto_server_with_s3_prefix.py, imported). A request naming no one secret or
parameter (ListSecrets, GetParameters) is checked against `*`, as moto does.

Usage: python moto_server_with_resources.py -H 127.0.0.1 -p PORT (the arguments of moto_server).
"""

from __future__ import annotations

import re

import moto_server_with_s3_prefix  # noqa: F401  (the s3:prefix conditions)
from moto.iam.access_control import IAMPolicyStatement
from moto.secretsmanager.responses import SecretsManagerResponse
from moto.server import main
from moto.ssm.responses import SimpleSystemManagerResponse


def _match(pattern: str, string: str) -> re.Match[str] | None:
    regex = "".join(
        ".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern
    )
    return re.fullmatch(regex, string, flags=re.DOTALL)


def _secret_resource(self: SecretsManagerResponse) -> str:
    secret_id = self._get_param("SecretId")
    if not secret_id:
        return "*"
    secret = self.backend.secrets.get(secret_id)
    if secret is not None:
        return secret.arn
    # A secret that does not exist (yet): the ARN it would have, with a suffix no policy names by accident.
    return f"arn:aws:secretsmanager:{self.region}:{self.current_account}:secret:{secret_id}-NOTYET"


def _parameter_resource(self: SimpleSystemManagerResponse) -> str:
    name = self._get_param("Name")
    if not name:
        return "*"
    if name.startswith("arn:"):
        return name
    return (
        f"arn:aws:ssm:{self.region}:{self.current_account}:parameter/{name.lstrip('/')}"
    )


IAMPolicyStatement._match = staticmethod(_match)  # type: ignore[method-assign]
SecretsManagerResponse._determine_resource = _secret_resource  # type: ignore[attr-defined]
SimpleSystemManagerResponse._determine_resource = _parameter_resource  # type: ignore[attr-defined]

if __name__ == "__main__":
    main()
