"""A physician's profile: who is asking, in the fields the readiness rubric reads. Every field is optional.

A profile is personal data. It is validated strictly (an unknown field is an error naming it), kept small
(`MAX_PROFILE_BYTES`), never logged, and stored only when its owner asks (see `advisor.readiness.store`).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from advisor.text import storable_text

Degree = Literal["MD", "DO", "other"]
Setting = Literal["hospital", "clinical_department", "pharma_biotech", "insurer", "government", "academic",
                  "telemedicine", "long_term_care", "nonprofit", "consulting", "regional", "sports_medicine"]
SETTINGS: tuple[str, ...] = get_args(Setting)
"""The settings the articles describe medical directors working in, as profile values."""

SETTING_ALIASES = {
    "health_system": "hospital", "healthcare_system": "hospital", "department": "clinical_department",
    "pharma": "pharma_biotech", "pharmaceutical": "pharma_biotech", "biotech": "pharma_biotech",
    "industry": "pharma_biotech", "payer": "insurer", "insurance": "insurer", "health_insurer": "insurer",
    "public_health": "government", "government_agency": "government", "academia": "academic",
    "university": "academic", "digital_health": "telemedicine", "virtual_care": "telemedicine",
    "telehealth": "telemedicine", "nursing_home": "long_term_care", "ngo": "nonprofit",
    "non_profit": "nonprofit", "advisory": "consulting", "consultant": "consulting",
    "regional_medical_director": "regional", "sports": "sports_medicine",
}
"""Other names portals send for a setting, read as that setting (lower-cased, spaces and hyphens as _)."""

MAX_PROFILE_BYTES = 4096
"""A profile's JSON is at most this many bytes (the API answers 413 above): a few facts, not a CV."""
MAX_ITEMS = 20
MAX_TEXT = 120

_TRAINING = re.compile(
    r"^(?:PGY-?\s?(?P<pgy>\d{1,2})|MS-?\s?(?P<ms>[1-4])|(?P<student>(?:medical\s+)?student)|"
    r"(?P<intern>intern(?:ship)?)|(?P<resident>resident|residency)|"
    r"(?P<fellow>fellow(?:ship)?(?:\s+year\s+\d)?))$", re.I)

TRAINING_PATTERN = (r"^(?:[Pp][Gg][Yy]-?[1-9][0-9]?|[Mm][Ss]-?[1-4]|(?:[Mm]edical )?[Ss]tudent|"
                    r"[Ii]ntern(?:ship)?|[Rr]esiden(?:t|cy)|[Ff]ellow(?:ship)?(?: year [1-9])?)$")
"""The training years the profile reads, as documented in the API schema (the validator is laxer: any case,
spaces)."""




Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_TEXT),
                 AfterValidator(storable_text), Field(json_schema_extra={"pattern": "^[^\\u0000]*$"})]
TextList = Annotated[list[Text], Field(max_length=MAX_ITEMS)]


class Profile(BaseModel):
    """What a physician tells the advisor about themselves; `None` means "not said", `[]` means "none"."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              json_schema_extra={"examples": [{
                                  "degree": "MD", "specialty": "hospital medicine", "years_in_practice": 8,
                                  "roles": [], "committees": [], "target_settings": ["insurer"]}]})

    degree: Degree | None = Field(None, description='"MD", "DO" or "other" (no medical degree).')
    specialty: Text | None = Field(None, description="e.g. internal medicine, hospital medicine, surgery.")
    board_certified: bool | None = None
    unrestricted_license: bool | None = Field(None, description="An active, unrestricted medical license.")
    years_in_practice: float | None = Field(None, ge=0, le=70,
                                            description="Years in practice after training.")
    training_year: str | None = Field(
        None, max_length=40, json_schema_extra={"pattern": TRAINING_PATTERN},
        description='While in training: "PGY-2", "fellowship", "fellowship year 2", "MS3", "intern".')
    roles: TextList | None = Field(
        None, description="Roles held: chief resident, section chief, department chair, assistant or "
                          "associate medical director, projects led (an EHR module, a readmissions task "
                          "force).")
    committees: TextList | None = Field(None, description="Committees served on, e.g. quality improvement.")
    education: TextList | None = Field(
        None, description="Degrees and certificates beyond the medical degree: MBA, MHA, MPH, CPE, CMQ, "
                          "leadership courses.")
    mentor: bool | None = Field(None, description="A mentor in a senior leadership position.")
    budget_experience: bool | None = Field(None, description="Has worked on a department's budget.")
    regulatory_knowledge: bool | None = Field(
        None, description="Working knowledge of regulation and accreditation (HIPAA, The Joint Commission).")
    target_settings: Annotated[list[Setting], Field(max_length=len(SETTINGS))] | None = Field(
        None, description=f"Where the physician wants to work: {', '.join(SETTINGS)}.")
    horizon_months: int | None = Field(None, ge=1, le=240, description="When they want the role, in months.")

    @model_validator(mode="before")
    @classmethod
    def _known_fields(cls, data: object) -> object:
        """All unknown fields named in one error (`extra="forbid"` would report them one by one)."""
        if isinstance(data, dict):
            unknown = [str(k) for k in data if k not in cls.model_fields]
            if unknown:
                raise ValueError(f"unknown profile field(s): {', '.join(unknown)}; the fields are: "
                                 f"{', '.join(cls.model_fields)}")
        return data

    @field_validator("degree", mode="before")
    @classmethod
    def _degree(cls, value: object) -> object:
        if isinstance(value, str):
            plain = value.strip().replace(".", "").upper()
            if plain in ("MD", "DO"):
                return plain
            if plain == "OTHER":
                return "other"
        return value

    @field_validator("specialty")
    @classmethod
    def _specialty(cls, value: str | None) -> str | None:
        return value or None  # blank: not said

    @field_validator("roles", "committees", "education")
    @classmethod
    def _items(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [item for item in value if item]  # blank items say nothing

    @field_validator("training_year")
    @classmethod
    def _training_year(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        storable_text(value)
        match = _TRAINING.match(" ".join(value.split()))
        if match is None:
            raise ValueError('expected a training year such as "PGY-2", "intern", "fellowship", '
                             '"fellowship year 2" or "MS3"')
        if match.group("pgy"):
            return f"PGY-{int(match.group('pgy'))}"
        if match.group("ms"):
            return f"MS{match.group('ms')}"
        return match.group(0).lower()

    @field_validator("target_settings", mode="before")
    @classmethod
    def _settings(cls, value: object) -> object:
        if not isinstance(value, list):
            return value
        read = []
        for item in value:
            if isinstance(item, str):
                key = re.sub(r"[\s\-/]+", "_", item.strip().lower())
                item = SETTING_ALIASES.get(key, key)
            read.append(item)
        if not all(isinstance(item, str) for item in read):
            return read  # not all names ([{}]): the type check answers 422, never a TypeError (a 500) here
        return list(dict.fromkeys(read))  # a setting named twice (or by two aliases) counts once

    @property
    def is_empty(self) -> bool:
        return not self.model_dump(exclude_none=True)

    @property
    def in_training(self) -> bool:
        """Training stated and no years in practice: a resident, fellow or student."""
        return self.training_year is not None and self.years_in_practice is None


def profile_fields() -> tuple[str, ...]:
    """The names of the profile's fields (what the rubric's conditions may name)."""
    return tuple(Profile.model_fields)
