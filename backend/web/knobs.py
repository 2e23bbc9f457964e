"""The team's knobs on the pages: the admin edits the region, municipalities, plan per year, organisations
and holiday rule; finance edits the allowance (ORT) tables (and the budget, on its own page).

Each form is read by the profile file's rules (`profile_file.read_form`) and applied as one audited
profile change (`services.profile_edit`); a refusal is shown next to its field, in the reader's
language, with what was typed kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from backend.models import JoiningOrganisation, Municipality, Role
from backend.profile_file import (
    IRREGULAR_BANDS,
    MunicipalityData,
    OrtTableData,
    Profile,
    ProfileError,
    read_form,
)
from backend.services import profile, profile_edit
from backend.services.errors import ServiceError
from backend.web import i18n
from backend.web.access import allow, caller
from backend.web.common import now
from backend.web.schemas import form_data

T = TypeVar("T")

blueprint = Blueprint("knobs", __name__)
COLLECTIONS = ("region", "holidays", "municipalities", "plans", "budgets", "ort_tables", "organisations")


@dataclass
class Form:
    """One form of a page: the values shown (typed, after a refusal) and the refusals by field."""

    values: dict[str, str]
    problems: list[dict[str, str]] = field(default_factory=list)

    def problem(self, name: str) -> list[str]:
        return [p["message"] for p in self.problems if p["field"] == name]

    def general(self) -> list[str]:
        """Refusals about no field of this form (the whole profile's rules)."""
        return [p["message"] for p in self.problems if p["field"] not in self.values]


def as_form(record: Any) -> dict[str, str]:
    """A record's figures as a form shows them (amounts in euros under the file's key)."""
    shown: dict[str, str] = {}
    for f in fields(record):
        value = getattr(record, f.name)
        if f.name == "sources":
            continue
        name = f.name.removesuffix("_cents")
        shown[name] = _text(
            Decimal(value).scaleb(-2).quantize(Decimal("0.01"))
            if name != f.name and value is not None
            else value
        )
    return shown


def _text(value: Any) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "true"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (tuple, list)):
        return ", ".join(str(v) for v in value)
    return str(value)


def problem_of(error: Exception) -> dict[str, str]:
    """A refusal as the page shows it: in the reader's language, next to the field it is about."""
    if isinstance(error, ProfileError):
        return {"field": field_of(error.path), "message": i18n.gettext(error.rule, **error.params)}
    if isinstance(error, ServiceError):
        return {"field": error.field or "", "message": i18n.refusal(error)}
    raise error


def field_of(path: tuple[str | int, ...]) -> str:
    """The form field a profile path is about: ("municipalities", 2, "name") is "name"."""
    names = [p for p in path if isinstance(p, str)]
    if len(names) > 1 and names[0] in COLLECTIONS:
        names = names[1:]
    return names[0] if names else ""


def attempt(
    values: dict[str, str],
    apply: Callable[[], Any],
    done: str,
    target: str,
    page: Callable[[dict[str, Form]], Any],
    key: str,
) -> Any:
    """Apply one form; on success say `done` and go to `target`, on refusal show `page` with the form kept."""
    try:
        apply()
    except (ProfileError, ServiceError) as error:
        return page({key: Form(values, [problem_of(error)])}), 422
    flash(done)
    return redirect(target)


def _posted(drop: tuple[str, ...] = ()) -> dict[str, str]:
    return {k: v for k, v in form_data(request.form).items() if k not in drop}


# -- the region, its holiday rule and the organisations that join controls ---------------------


@blueprint.get("/admin/region")
@allow(Role.ADMIN)
def region_page() -> Any:
    return _region_page({})


def _region_page(kept: Mapping[str, Form]) -> str:
    current = _current()
    forms = {"region": Form(as_form(current.region)), "holidays": Form(as_form(current.holidays))}
    rows = {o.name: o.id for o in g.db.execute(select(JoiningOrganisation)).scalars()}
    forms |= {f"organisation:{rows[o.name]}": Form(as_form(o)) for o in current.organisations}
    forms |= {"organisation:new": Form({"name": "", "joins": "", "source": ""})} | dict(kept)
    organisations = [(k.split(":")[1], f) for k, f in forms.items() if k.startswith("organisation:")]
    members = list(g.db.execute(select(Municipality.id, Municipality.name).order_by(Municipality.name)))
    return render_template(
        "admin/region.html",
        forms=forms,
        organisations=organisations,
        municipalities=[m.name for m in current.municipalities],
        members=members,
    )


def _current() -> Profile:
    return _found(profile.current_profile(g.db))


def _found(read: T | None) -> T:
    """What was read of the profile; no page before any region exists."""
    if read is None:
        abort(404)
    return read


@blueprint.post("/admin/region")
@allow(Role.ADMIN)
def change_region() -> Any:
    values = _posted()
    return attempt(
        values,
        lambda: profile_edit.set_region(g.db, now(), caller().name, read_form("region", values)),
        i18n.gettext("Region saved."),
        url_for("knobs.region_page"),
        _region_page,
        "region",
    )


@blueprint.post("/admin/holidays")
@allow(Role.ADMIN)
def change_holidays() -> Any:
    values = _posted()
    return attempt(
        values,
        lambda: profile_edit.set_holidays(g.db, now(), caller().name, read_form("holidays", values)),
        i18n.gettext("Holiday rule saved."),
        url_for("knobs.region_page"),
        _region_page,
        "holidays",
    )


@blueprint.post("/admin/organisations", defaults={"organisation_id": None})
@blueprint.post("/admin/organisations/<int:organisation_id>")
@allow(Role.ADMIN)
def put_organisation(organisation_id: int | None) -> Any:
    old_name = _organisation_name(organisation_id) if organisation_id is not None else None
    values = _posted()
    return attempt(
        values,
        lambda: profile_edit.put_organisation(
            g.db, now(), caller().name, read_form("organisation", values), old_name
        ),
        i18n.gettext("Organisation saved."),
        url_for("knobs.region_page"),
        _region_page,
        f"organisation:{organisation_id or 'new'}",
    )


@blueprint.post("/admin/organisations/<int:organisation_id>/remove")
@allow(Role.ADMIN)
def remove_organisation(organisation_id: int) -> Any:
    profile_edit.remove_organisation(g.db, now(), caller().name, _organisation_name(organisation_id))
    flash(i18n.gettext("Organisation removed."))
    return redirect(url_for("knobs.region_page"))


def _organisation_name(organisation_id: int) -> str:
    found = g.db.get(JoiningOrganisation, organisation_id)
    if found is None:
        abort(404)
    return str(found.name)


# -- municipalities ------------------------------------------------------------------------

NEW_MUNICIPALITY = {
    "name": "",
    "population": "",
    "population_date": "",
    "taking_part": "true",
    "taking_part_from": "",
    "taking_part_until": "",
    "contribution": "hours",
    "pledged_hours": "100",
    "money_cap": "",
    "cap_shortfall": "",
    "source": "",
}


@blueprint.route("/admin/municipalities/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def new_municipality() -> Any:
    return _municipality_form(None, _posted() if request.method == "POST" else None)


@blueprint.route("/admin/municipalities/<int:municipality_id>/figures", methods=["GET", "POST"])
@allow(Role.ADMIN)
def municipality_figures(municipality_id: int) -> Any:
    found = g.db.get(Municipality, municipality_id)
    if found is None:
        abort(404)
    return _municipality_form(found.name, _posted() if request.method == "POST" else None)


def _municipality_form(name: str | None, posted: dict[str, str] | None) -> Any:
    """A municipality's figures (its name stays once made); a new one starts in hours, 100 pledged."""

    def page(kept: Mapping[str, Form]) -> str:
        form = kept.get("municipality") or Form(
            as_form(_municipality(name)) if name else dict(NEW_MUNICIPALITY)
        )
        return render_template("admin/municipality.html", form=form, name=name)

    if posted is None:
        return page({})
    values = posted | ({"name": name} if name else {})
    return attempt(
        values,
        lambda: profile_edit.put_municipality(
            g.db, now(), caller().name, read_form("municipality", values), is_new=name is None
        ),
        i18n.gettext("%(name)s saved.", name=values.get("name", "")),
        url_for("admin.overview"),
        page,
        "municipality",
    )


def change_municipality_row(municipality_id: int, row: Mapping[str, str]) -> Any:
    """The team overview's short row (minutes pledged, "participating") as the figures page's form."""
    found = g.db.get(Municipality, municipality_id)
    if found is None:
        abort(404)
    minutes = row.get("pledged_minutes", "")
    hours = str(int(minutes) // 60) if minutes.isdigit() and int(minutes) % 60 == 0 else minutes
    values = {k: v for k, v in row.items() if k not in ("is_participating", "pledged_minutes")}
    values |= {
        "taking_part": row.get("is_participating", ""),
        "pledged_hours": hours,
        "source": _municipality(found.name).source,
    }
    return _municipality_form(found.name, values)


def _municipality(name: str) -> MunicipalityData:
    found: MunicipalityData = next(m for m in _current().municipalities if m.name == name)
    return found


# -- the plan per year ---------------------------------------------------------------------


@blueprint.get("/admin/plans")
@allow(Role.ADMIN)
def plans_page() -> Any:
    return _plans_page({})


def _plans_page(kept: Mapping[str, Form]) -> str:
    forms = {str(p.year): Form(as_form(p)) for p in _found(profile.plan_records(g.db))} | dict(kept)
    return render_template("admin/plans.html", forms=forms)


@blueprint.post("/admin/plans/<int:year>")
@allow(Role.ADMIN)
def change_plan(year: int) -> Any:
    values = _posted() | {"year": str(year)}
    return attempt(
        values,
        lambda: profile_edit.put_plan(g.db, now(), caller().name, read_form("plan", values)),
        i18n.gettext("Plan %(year)s saved.", year=year),
        url_for("knobs.plans_page"),
        _plans_page,
        str(year),
    )


@blueprint.post("/admin/plans/<int:year>/copy")
@allow(Role.ADMIN)
def copy_plan(year: int) -> Any:
    return attempt(
        {},
        lambda: profile_edit.copy_plan(g.db, now(), caller().name, year),
        i18n.gettext("Plan %(year)s made as a copy; change what differs.", year=year + 1),
        url_for("knobs.plans_page"),
        _plans_page,
        str(year),
    )


# -- finance: the allowance (ORT) tables ------------------------------------------------------

PERCENT = "percent_"


def ort_form(table: OrtTableData) -> dict[str, str]:
    """A table as its form: one line per weekday window ("18:00-22:00 weekday_18"), a field per band."""
    shown = {k: v for k, v in as_form(table).items() if k not in ("weekday_windows", "percentages")}
    shown["weekday_windows"] = "\n".join(f"{a}-{b} {band}" for a, b, band in table.weekday_windows)
    return shown | {PERCENT + band: format(p, "f") for band, p in table.percentages.items()}


def ort_record(values: Mapping[str, str]) -> Any:
    """The form's fields in the shape of the file's table, then read by the file's rules."""
    windows = []
    for line in values.get("weekday_windows", "").splitlines():
        span, _, band = line.strip().partition(" ")
        start, _, end = span.partition("-")
        if line.strip():
            windows.append({"from": start, "until": end, "band": band.strip()})
    shaped: dict[str, Any] = {k: v for k, v in values.items() if not k.startswith(PERCENT)}
    shaped["weekday_windows"] = windows
    shaped["percentages"] = {
        band: values.get(PERCENT + band, "").strip().replace(",", ".")
        for band in IRREGULAR_BANDS
        if values.get(PERCENT + band, "").strip()
    }
    return read_form("ort_table", shaped)


@blueprint.get("/finance/ort")
@allow(Role.FINANCE, Role.AUDITOR, Role.COORDINATOR)
def ort_page() -> Any:
    return _ort_page({})


def _ort_page(kept: Mapping[str, Form]) -> str:
    tables = _found(profile.ort_table_records(g.db))
    forms = {t.valid_from.isoformat(): Form(ort_form(t)) for t in tables}
    draft = profile_edit.next_ort_table(tables)
    forms["new"] = Form(ort_form(draft) if draft else {"weekday_windows": ""})
    forms |= kept
    return render_template(
        "finance/ort.html",
        forms=forms,
        tables={t.valid_from.isoformat(): t for t in tables},
        bands=IRREGULAR_BANDS,
        percent=PERCENT,
        may_edit=caller().role is Role.FINANCE,
    )


@blueprint.post("/finance/ort/<key>")
@allow(Role.FINANCE)
def put_ort_table(key: str) -> Any:
    """Change the table that took effect on `key` (a day), or add one (`key` is "new")."""
    try:
        old = None if key == "new" else date.fromisoformat(key)
    except ValueError:
        abort(404)
    values = _posted()
    return attempt(
        values,
        lambda: profile_edit.put_ort_table(g.db, now(), caller().name, ort_record(values), old),
        i18n.gettext("ORT table saved."),
        url_for("knobs.ort_page"),
        _ort_page,
        key,
    )
