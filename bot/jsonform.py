"""A stable JSON form for the neutral event and action dataclasses.

Each type registers under a short ``type`` name; a value is a flat JSON object with that name plus
its fields. Datetimes are ISO 8601 in UTC, tuples become lists, nested dataclasses become objects.
Unknown keys are rejected, so a typo in a scenario file is reported instead of silently ignored.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime
from typing import Any, TypeVar, Union, get_args, get_origin

from bot.clock import ensure_utc

T = TypeVar("T")


class JsonFormError(ValueError):
    """A JSON object that does not describe a known event or action."""


class Registry:
    """Maps ``type`` names to dataclasses, both ways."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._by_name: dict[str, type[Any]] = {}
        self._by_cls: dict[type[Any], str] = {}

    def register(self, name: str) -> typing.Callable[[type[T]], type[T]]:
        def deco(cls: type[T]) -> type[T]:
            if name in self._by_name:
                raise ValueError(f"{self.kind} type {name!r} registered twice")
            self._by_name[name] = cls
            self._by_cls[cls] = name
            return cls

        return deco

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def classes(self) -> dict[str, type[Any]]:
        return dict(self._by_name)

    def name_of(self, obj: object) -> str:
        return self._by_cls[type(obj)]

    def to_json(self, obj: object) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.name_of(obj)}
        out.update(encode_fields(obj))
        return out

    def from_json(self, data: object) -> Any:
        if not isinstance(data, dict):
            raise JsonFormError(f"a {self.kind} must be a JSON object")
        name = data.get("type")
        if not isinstance(name, str) or name not in self._by_name:
            raise JsonFormError(
                f"unknown {self.kind} type {name!r}; known types: {', '.join(self.names())}"
            )
        body = {k: v for k, v in data.items() if k != "type"}
        return decode_dataclass(self._by_name[name], body)


def encode_value(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return encode_fields(value)
    if isinstance(value, datetime):
        return ensure_utc(value).isoformat().replace("+00:00", "Z")
    if isinstance(value, tuple | list):
        return [encode_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode_value(v) for k, v in value.items()}
    return value


def encode_fields(obj: Any) -> dict[str, Any]:
    return {f.name: encode_value(getattr(obj, f.name)) for f in dataclasses.fields(obj)}


def parse_datetime(raw: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise JsonFormError(f"{raw!r} is not an ISO 8601 date and time") from exc
    if parsed.tzinfo is None:
        raise JsonFormError(f"{raw!r} has no timezone; add 'Z' for UTC")
    return ensure_utc(parsed)


def _decode(tp: Any, value: Any, where: str) -> Any:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _decode(arg, value, where)
            except JsonFormError as exc:
                errors.append(str(exc))
        raise JsonFormError("; ".join(errors))
    if origin is tuple:
        if not isinstance(value, list):
            raise JsonFormError(f"{where} must be a list")
        (item,) = get_args(tp)[:1]
        return tuple(_decode(item, v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise JsonFormError(f"{where} must be an object")
        _, vt = get_args(tp)
        return {str(k): _decode(vt, v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise JsonFormError(f"{where} must be an object")
        return decode_dataclass(tp, value, where)
    if tp is datetime:
        if not isinstance(value, str):
            raise JsonFormError(f"{where} must be an ISO 8601 string")
        return parse_datetime(value)
    if tp is bool:
        if not isinstance(value, bool):
            raise JsonFormError(f"{where} must be true or false")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise JsonFormError(f"{where} must be a whole number")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise JsonFormError(f"{where} must be a number")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise JsonFormError(f"{where} must be a string")
        return value
    if tp is Any:
        return value
    raise JsonFormError(f"{where}: cannot decode type {tp!r}")


def decode_dataclass(cls: type[T], body: dict[str, Any], where: str = "") -> T:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise JsonFormError(f"{where or cls.__name__}: unknown field(s) {', '.join(unknown)}")
    kwargs: dict[str, Any] = {}
    for name, f in fields.items():
        if name in body:
            path = f"{where}.{name}" if where else name
            kwargs[name] = _decode(hints[name], body[name], path)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise JsonFormError(f"{where or cls.__name__}: missing field {name!r}")
    return cls(**kwargs)
