"""Graph request bodies: the strict base model and the one parser every Graph body goes through."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from mockgraph import jsontext
from mockgraph.errors import UNREADABLE_JSON, BadRequest, describe_validation_error
from mockgraph.jsontext import NotUnicode, TooDeep

M = TypeVar("M", bound="GraphBody")
JSON_TYPES = (b"application/json", b"text/json")
JSON_WHITESPACE = b" \t\r\n"  # RFC 8259's; bytes.strip() would also take \x0b and \x0c


class GraphBody(BaseModel):
    """A request body: unknown members are refused as Graph refuses them, `@odata.*` ignored."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_annotations(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(str(k).startswith("@") for k in data):
            return {k: v for k, v in data.items() if not str(k).startswith("@")}
        return data


def parse_body(model: type[M], raw: bytes, operation: str) -> M:
    """Validate a request body against `model`, answering Graph's 400 with a usable message."""
    if not raw.strip(JSON_WHITESPACE):
        data: Any = {}
    else:
        try:
            data = jsontext.loads(raw)
        except (NotUnicode, TooDeep) as exc:
            raise BadRequest(f"{UNREADABLE_JSON} ({exc})") from None
        except (ValueError, UnicodeDecodeError):
            raise BadRequest(UNREADABLE_JSON) from None
    if not isinstance(data, dict):
        raise BadRequest(f"The request body of {operation} must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise BadRequest(describe_validation_error(first, operation)) from None


def parse_json_body(model: type[M], raw: bytes, content_type: bytes | None, operation: str) -> M:
    """parse_body, for a body that must also have been sent as JSON when there is one."""
    if raw.strip(JSON_WHITESPACE):
        given = (content_type or b"").split(b";")[0].strip().lower()
        if given not in JSON_TYPES:
            raise BadRequest(UNREADABLE_JSON)
    return parse_body(model, raw, operation)
