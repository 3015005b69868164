"""The registry of landing-zone streams, and the one place raw-table schemas
derive from.

Each stream's pydantic contract is read once into a list of :class:`Column`
specs (type, requiredness, default, range, enum, decimals kept). Ingest builds the raw tables
and its bulk SQL checks from those specs, and asks pydantic only for the
readable reason of a rejected row, so the contract is stated once.
"""

import json
import types
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from models.base import HalfEven, StreamRecord
from models.coaching import CoachingEvent, CoachingEventVariant
from models.evaluations import Evaluation, EvaluationReview
from models.interactions import AutoQaScore, Interaction
from models.roster import Agent, Attribute

# JSON value types (as DuckDB's json_type names them) that a strict contract
# accepts for each Python type.
_JSON_TYPES: dict[type, tuple[str, ...]] = {
    str: ("VARCHAR",),
    int: ("BIGINT", "UBIGINT"),
    float: ("BIGINT", "UBIGINT", "DOUBLE"),
    bool: ("BOOLEAN",),
    datetime: ("VARCHAR",),
    date: ("VARCHAR",),
}
_SQL_TYPES: dict[type, str] = {
    str: "VARCHAR",
    int: "BIGINT",
    float: "DOUBLE",
    bool: "BOOLEAN",
    datetime: "TIMESTAMPTZ",
    date: "DATE",
}


@dataclass(frozen=True)
class Column:
    """One field of a contract, as the raw table and the bulk checks see it."""

    name: str
    python_type: type
    is_list: bool = False
    required: bool = True
    default: Any = None
    enum: tuple[str, ...] = ()
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    min_length: int | None = None
    item_min_length: int | None = None
    # Places the value is kept to, rounded half-even (models.base.HalfEven).
    decimals: int | None = None

    @property
    def sql_type(self) -> str:
        base = _SQL_TYPES[self.python_type]
        return f"{base}[]" if self.is_list else base

    @property
    def json_types(self) -> tuple[str, ...]:
        return _JSON_TYPES[self.python_type]


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _unwrap(annotation: Any, constraints: list[Any]) -> Any:
    """Strip ``Annotated`` layers, collecting their constraints."""
    while get_origin(annotation) is Annotated:
        base, *meta = get_args(annotation)
        for item in meta:
            constraints.extend(item.metadata if isinstance(item, FieldInfo) else [item])
        annotation = base
    return annotation


def _column(name: str, info: FieldInfo) -> Column:
    annotation, optional = _strip_optional(info.rebuild_annotation())
    constraints: list[Any] = []
    annotation = _unwrap(annotation, constraints)
    is_list, item_constraints = False, []
    if get_origin(annotation) is list:
        is_list = True
        annotation = _unwrap(get_args(annotation)[0], item_constraints)
    enum: tuple[str, ...] = ()
    if get_origin(annotation) is Literal:
        enum = tuple(get_args(annotation))
        annotation = str
    bounds = {type(c): c for c in constraints}
    item_bounds = {type(c): c for c in item_constraints}
    default = None if info.default is PydanticUndefined else info.default
    return Column(
        name=name,
        python_type=annotation,
        is_list=is_list,
        required=info.is_required(),
        default=default,
        enum=enum,
        ge=getattr(bounds.get(annotated_types.Ge), "ge", None),
        gt=getattr(bounds.get(annotated_types.Gt), "gt", None),
        le=getattr(bounds.get(annotated_types.Le), "le", None),
        min_length=getattr(bounds.get(annotated_types.MinLen), "min_length", None),
        item_min_length=getattr(item_bounds.get(annotated_types.MinLen), "min_length", None),
        decimals=getattr(bounds.get(HalfEven), "decimals", None),
    )


def model_columns(model: type[StreamRecord]) -> list[Column]:
    return [_column(name, info) for name, info in model.model_fields.items()]


@dataclass(frozen=True)
class StreamContract:
    """A landing-zone stream: its name, contract and de-duplication key.

    ``variants`` maps a discriminator value to its model; a stream with a single
    model has one variant under the key ``None``.
    """

    name: str
    variants: dict[str | None, type[StreamRecord]]
    adapter: TypeAdapter[Any]
    discriminator: str | None = None
    columns: list[Column] = field(init=False)

    def __post_init__(self) -> None:
        merged: dict[str, Column] = {}
        for model in self.variants.values():
            for column in model_columns(model):
                seen = merged.get(column.name)
                if seen is not None and seen.sql_type != column.sql_type:
                    raise TypeError(f"{self.name}.{column.name}: variants disagree on its type")
                if seen is not None and self.discriminator == column.name:
                    column = Column(name=column.name, python_type=str, enum=seen.enum + column.enum)
                merged[column.name] = column
        object.__setattr__(self, "columns", list(merged.values()))

    @property
    def dedup_key(self) -> tuple[str, ...]:
        keys = {model.dedup_key for model in self.variants.values()}
        (key,) = keys
        return key

    @property
    def dedup_time(self) -> str:
        times = {model.dedup_time for model in self.variants.values()}
        (time,) = times
        return time

    def validate(self, record: dict[str, Any]) -> StreamRecord:
        """Validate one decoded row as its JSON line; raises ``ValidationError``.

        Rows are validated in JSON mode, as they arrive: strict types, ISO
        strings for dates and timestamps.
        """
        return self.adapter.validate_json(json.dumps(record, default=str))

    def rejection_reason(self, raw: str) -> str | None:
        """The readable reason why a raw JSON line breaks the contract, or None."""
        try:
            self.adapter.validate_json(raw)
        except ValidationError as error:
            return format_validation_error(error)
        return None


def format_validation_error(error: ValidationError) -> str:
    """``field: message`` for each problem, naming the field first."""
    parts = []
    for problem in error.errors(include_url=False):
        # Drop the union tag pydantic puts first in a discriminated union's path.
        location = [str(p) for p in problem["loc"]]
        if problem["type"] in ("union_tag_invalid", "union_tag_not_found"):
            location = [str(problem["ctx"]["discriminator"]).strip("'")]
        if len(location) > 1 and location[0] in _VARIANT_TAGS:
            location = location[1:]
        where = ".".join(location) or "row"
        message = problem["msg"]
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
            if ": " in message:  # the validator already names its fields
                parts.append(message)
                continue
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def _single(name: str, model: type[StreamRecord]) -> StreamContract:
    return StreamContract(name=name, variants={None: model}, adapter=TypeAdapter(model))


def _union(name: str, union: Any, adapter_type: Any, discriminator: str) -> StreamContract:
    variants = {}
    for model in get_args(union):
        (tag,) = get_args(model.model_fields[discriminator].annotation)
        variants[tag] = model
    return StreamContract(
        name=name, variants=variants, adapter=TypeAdapter(adapter_type), discriminator=discriminator
    )


STREAMS: dict[str, StreamContract] = {
    contract.name: contract
    for contract in (
        _single("agents", Agent),
        _single("attributes", Attribute),
        _single("interactions", Interaction),
        _single("auto_qa_scores", AutoQaScore),
        _single("evaluations", Evaluation),
        _single("evaluation_reviews", EvaluationReview),
        _union("coaching_events", CoachingEventVariant, CoachingEvent, "event_type"),
    )
}
_VARIANT_TAGS = frozenset(tag for c in STREAMS.values() for tag in c.variants if tag)
