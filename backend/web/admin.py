"""The admin's pages: municipalities, inspectors and designations, phones (enrolment, revocation),
web accounts and API tokens, the keys and the audit log."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import undefer

from backend.models import ApiToken, AuditRecord, Gender, Inspector, Municipality, Role, WebUser
from backend.services import accounts, audit, backup, disclosures, enrolment, exports, imports, keys, team
from backend.services.errors import ServiceError
from backend.web import export_words, i18n, knobs, problems
from backend.web.access import allow, caller
from backend.web.common import now
from backend.web.disclosure import ask_first
from backend.web.schemas import (
    DesignationEndIn,
    DesignationIn,
    InspectorChangeIn,
    InspectorIn,
    Invalid,
    PageQuery,
    TokenIn,
    WebUserIn,
    form_data,
    parse,
)
from secure_store import current_keyring

blueprint = Blueprint("admin", __name__, url_prefix="/admin")
ADMIN = (Role.ADMIN,)


@blueprint.get("")
@allow(*ADMIN)
def overview() -> Any:
    return _overview({})


def _overview(kept: Mapping[str, knobs.Form]) -> str:
    """The overview; `kept` holds a refused form (by its name) with what was typed and why. The
    designations come a page at a time (`?page=`)."""
    page = parse(PageQuery, {"page": request.args.get("page", "1")}, keep_empty=True).page
    municipalities = list(g.db.execute(select(Municipality).order_by(Municipality.name)).scalars())
    inspectors = list(g.db.execute(select(Inspector).order_by(Inspector.id)).scalars())
    designations, designation_count = team.designations_page(g.db, page)
    names = {m.id: m.name for m in municipalities}
    return render_template(
        "admin/overview.html",
        municipalities=municipalities,
        inspectors=inspectors,
        designations=designations,
        designation_count=designation_count,
        page=page,
        per_page=team.DESIGNATIONS_PAGE,
        names=names,
        genders=list(Gender),
        users=list(g.db.execute(select(WebUser).order_by(WebUser.username)).scalars()),
        tokens=list(g.db.execute(select(ApiToken).order_by(ApiToken.id)).scalars()),
        roles=list(Role),
        today=now().date(),
        kept=kept,
        **_backups(),
    )


def _kept_on_overview(key: str, apply: Callable[[dict[str, str]], Any]) -> Any:
    """Apply one of the overview's forms to what was typed; refused, the overview again with the form as
    typed and the refusal next to its field. (A redirect would lose the input, and carrying it in the
    session cookie would put people's names in a cookie.)"""
    values = form_data(request.form)
    try:
        return apply(values)
    except Invalid as invalid:
        g.db.rollback()
        return _overview({key: knobs.Form(values, problems.invalid(invalid.problems))}), 422
    except ServiceError as refused:
        g.db.rollback()
        return _overview({key: knobs.Form(values, problems.refused(refused))}), refused.status


def _backups() -> dict[str, Any]:
    """Where the scheduled backups go, and the newest one there (read from the directory itself)."""
    directory = current_app.extensions["piket"]["settings"].backup_dir
    return {"backup_dir": directory, "last_backup": backup.latest(directory)}


@blueprint.post("/inspectors/import")
@allow(*ADMIN)
def import_inspectors() -> Any:
    """The team list as a CSV upload: checked first, then (unless 'only check') imported in one go."""
    upload = request.files.get("file")
    dry_run = request.form.get("dry_run") == "true"
    report, refused = None, None
    try:
        data = upload.read(imports.MAX_BYTES + 1) if upload else b""
        report = imports.import_inspectors(g.db, now(), caller().name, data, dry_run=dry_run)
    except imports.ImportRefused as error:
        refused = i18n.gettext(error.message, **error.params)
    return render_template(
        "admin/import.html",
        report=report,
        refused=refused,
        dry_run=dry_run,
        filename=upload.filename if upload else "",
    )


@blueprint.post("/municipalities/<int:municipality_id>")
@allow(*ADMIN)
def edit_municipality(municipality_id: int) -> Any:
    """The overview's row: read by the profile's rules like the municipality's own page (which shows a
    refusal), keeping the figures' source."""
    return knobs.change_municipality_row(municipality_id, form_data(request.form))


@blueprint.post("/inspectors")
@allow(*ADMIN)
def add_inspector() -> Any:
    def add(values: dict[str, str]) -> Any:
        made = team.add_inspector(g.db, now(), caller().name, parse(InspectorIn, values).model_dump())
        flash(i18n.gettext("Inspector %(id)s added.", id=made.id))
        return redirect(url_for("admin.overview"))

    return _kept_on_overview("inspector", add)


@blueprint.route("/inspectors/<int:inspector_id>", methods=["GET", "POST"])
@allow(*ADMIN)
def edit_inspector(inspector_id: int) -> Any:
    if request.method == "POST":
        changes = parse(InspectorChangeIn, form_data(request.form)).model_dump()
        team.change_inspector(g.db, now(), caller().name, inspector_id, changes)
        flash(i18n.gettext("Inspector %(id)s saved.", id=inspector_id))
        return redirect(url_for("admin.overview"))
    found = g.db.execute(
        select(Inspector)
        .options(undefer(Inspector.first_name), undefer(Inspector.phone))
        .where(Inspector.id == inspector_id)
    ).scalar_one_or_none()
    if found is None:
        abort(404)
    municipalities = list(g.db.execute(select(Municipality).order_by(Municipality.name)).scalars())
    return render_template("admin/inspector.html", inspector=found, municipalities=municipalities)


@blueprint.post("/designations/<int:designation_id>/end")
@allow(*ADMIN)
def end_designation(designation_id: int) -> Any:
    ending = parse(DesignationEndIn, form_data(request.form))
    team.end_designation(g.db, now(), caller().name, designation_id, ending.valid_until)
    flash(i18n.gettext("Designation recorded."))
    return redirect(url_for("admin.overview"))


@blueprint.post("/designations")
@allow(*ADMIN)
def add_designation() -> Any:
    def add(values: dict[str, str]) -> Any:
        team.add_designation(g.db, now(), caller().name, parse(DesignationIn, values).model_dump())
        flash(i18n.gettext("Designation recorded."))
        return redirect(url_for("admin.overview"))

    return _kept_on_overview("designation", add)


@blueprint.post("/inspectors/<int:inspector_id>/enrolment")
@allow(*ADMIN)
def enrolment_code(inspector_id: int) -> Any:
    """A one-time code, shown once (with a QR code of the bot's deep link); only its hash is kept."""
    team.existing(g.db, Inspector, inspector_id, "inspector_id")
    code = enrolment.create_code(g.db, now(), caller().name, inspector_id)
    username = current_app.extensions["piket"]["settings"].telegram_bot_username
    link = f"https://t.me/{username}?start={code}" if username else None
    qr = Markup(segno.make(link, error="m").svg_inline(scale=5)) if link else None  # noqa: S704 - own SVG
    return render_template(
        "admin/enrolment.html",
        code=code,
        link=link,
        qr=qr,
        inspector_id=inspector_id,
        hours=int(enrolment.CODE_LIFETIME.total_seconds() // 3600),
    )


@blueprint.post("/inspectors/<int:inspector_id>/revoke")
@allow(*ADMIN)
def revoke(inspector_id: int) -> Any:
    team.existing(g.db, Inspector, inspector_id, "inspector_id")
    done = enrolment.revoke(g.db, now(), caller().name, inspector_id)
    flash(
        i18n.gettext(
            "Phone cut off: it gets no more messages. Open offers withdrawn: %(offers)s. Messages to be "
            "deleted from the phone (places, colleagues): %(deletions)s. Shifts still to come that lose this "
            "person: %(shifts)s (the coordinator is told and cover is offered). To link a new phone, make a "
            "new enrolment code.",
            offers=done.offers_withdrawn,
            deletions=done.deletions,
            shifts=done.shifts_left,
        )
    )
    return redirect(url_for("admin.overview"))


@blueprint.post("/users")
@allow(*ADMIN)
def add_user() -> Any:
    def add(values: dict[str, str]) -> Any:
        given = parse(WebUserIn, values)
        return _one_time_password(
            *accounts.create_web_user(g.db, now(), caller().name, given.username, given.role)
        )

    return _kept_on_overview("user", add)


@blueprint.post("/users/<int:user_id>/reset")
@allow(*ADMIN)
def reset_user(user_id: int) -> Any:
    return _one_time_password(*accounts.reset_web_user(g.db, now(), caller().name, user_id))


def _one_time_password(user: WebUser, password: str) -> Any:
    """The page that shows a new account's (or a reset account's) one-time password, once."""
    return render_template(
        "admin/secret.html",
        title=i18n.gettext("Account %(name)s", name=user.username),
        secret=password,
        explain=i18n.gettext(
            "One-time password: give it to the user by another channel. At first login "
            "they choose their own password and set up the authenticator app."
        ),
    )


@blueprint.post("/users/<int:user_id>/active")
@allow(*ADMIN)
def toggle_user(user_id: int) -> Any:
    wanted = request.form.get("is_active") == "true"
    user = accounts.set_active(g.db, now(), caller().name, user_id, wanted, acting_user_id=caller().user_id)
    flash(i18n.gettext("%(name)s saved.", name=user.username))
    return redirect(url_for("admin.overview"))


@blueprint.post("/tokens")
@allow(*ADMIN)
def add_token() -> Any:
    return _kept_on_overview("token", _add_token)


def _add_token(values: dict[str, str]) -> Any:
    given = parse(TokenIn, values)
    made, token = accounts.create_api_token(
        g.db, now(), caller().name, given.name, given.role, given.is_read_only
    )
    return render_template(
        "admin/secret.html",
        title=i18n.gettext("API token %(name)s", name=made.name),
        secret=token,
        explain=i18n.gettext("Shown once. Send it as 'Authorization: Bearer <token>'. It expires in a year."),
    )


@blueprint.post("/tokens/<int:token_id>/revoke")
@allow(*ADMIN)
def revoke_token(token_id: int) -> Any:
    accounts.revoke_api_token(g.db, now(), caller().name, token_id)
    flash(i18n.gettext("Token revoked."))
    return redirect(url_for("admin.overview"))


@blueprint.get("/keys")
@allow(*ADMIN)
def key_status() -> Any:
    """Which key seals how many values, and whether each names a key in the ring: counted in SQL, as
    opening every value (`piket keys verify`) costs a scan the size of the database."""
    report = keys.count_by_key(g.db, current_keyring())
    return render_template("admin/keys.html", report=report, active=current_keyring().active_id)


@blueprint.get("/audit")
@allow(Role.ADMIN, Role.AUDITOR)
def audit_log() -> Any:
    page = parse(PageQuery, {"page": request.args.get("page", "1")}, keep_empty=True).page
    records = list(
        g.db.execute(
            select(AuditRecord).order_by(AuditRecord.seq.desc()).offset((page - 1) * 100).limit(100)
        ).scalars()
    )
    checked = audit.verify_since_checkpoint(g.db, now())
    return render_template(
        "admin/audit.html", records=records, report=checked.report, checked=checked, page=page
    )


@blueprint.get("/disclosures")
@allow(Role.ADMIN, Role.AUDITOR)
def disclosure_register() -> Any:
    """What left piket, to whom and why: every export, statement, backup and access request."""
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 1_000_000))
    return render_template(
        "admin/disclosures.html",
        rows=disclosures.register_page(g.db, page),
        page=page,
        per_page=disclosures.PAGE,
        kind_words=disclosures.KINDS,
    )


@blueprint.get("/disclosures.csv")
@allow(Role.ADMIN, Role.AUDITOR)
def disclosure_register_csv() -> Any:
    """The register as CSV; handing it out is itself recorded."""
    asked = ask_first("disclosures.csv", {})
    if asked is not None:
        return asked
    lines = exports.csv_lines(
        "piket-disclosures-v2",
        disclosures.REGISTER_HEADER,
        disclosures.register_rows(g.db),
        (),
        words=export_words.wording(),
    )
    return Response(
        "".join(lines),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="piket-verstrekkingen.csv"'},
    )
