"""multipart/form-data parsing for the embedded host (the standard library's email parser does the work)."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

from ..errors import InvalidRequestError


def parse_form(content_type: str, body: bytes) -> dict[str, bytes]:
    if not content_type.lower().startswith("multipart/form-data"):
        raise InvalidRequestError(f"expected multipart/form-data, got {content_type or 'no content type'}")
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise InvalidRequestError("the multipart body could not be parsed")
    fields: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        fields[name] = payload if isinstance(payload, bytes) else b""
    return fields
