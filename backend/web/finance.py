"""Finance's pages: the ledger with filters, its exports, period locks, the settlement and statements,
and the budget per year (finance edits the money; the others read it).

Finance (and the read-only auditor) see hours and money, never a call-out's location.
"""

from __future__ import annotations

import dataclasses
import io
import tempfile
from collections.abc import Callable, Iterator, Mapping
from datetime import date, timedelta
from typing import Any

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
    send_file,
    url_for,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import HourCategory, Municipality, Role
from backend.profile_file import STATEMENT_SOURCE, read_form
from backend.services import (
    evaluation,
    evaluation_report,
    exports,
    ledger,
    profile,
    profile_edit,
    safety,
    settlement,
    statements,
)
from backend.services.errors import ServiceError
from backend.services.exports import LedgerFilter
from backend.services.ledger_csv import ledger_lines
from backend.web import export_words, i18n, knobs
from backend.web import problems as shown
from backend.web.access import allow, caller
from backend.web.common import now, today
from backend.web.disclosure import ask_first
from backend.web.schemas import (
    Invalid,
    LedgerQuery,
    SettlementQuery,
    form_data,
    parse,
)

blueprint = Blueprint("finance", __name__, url_prefix="/finance")
READERS = (Role.FINANCE, Role.AUDITOR, Role.COORDINATOR)
PAGE = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
"""As the content type whole: given as a mimetype, Werkzeug added a second charset."""


def ledger_filter(args: dict[str, Any]) -> LedgerFilter:
    """The filter asked for; the current month when no period is given."""
    first = today().replace(day=1)
    args = {
        "period_start": first.isoformat(),
        "period_end": ((first + timedelta(days=32)).replace(day=1) - timedelta(days=1)).isoformat(),
        **{k: v for k, v in args.items() if k in LedgerQuery.model_fields and v is not None},
    }
    query = parse(LedgerQuery, args)
    return LedgerFilter(
        query.period_start,
        query.period_end,
        query.municipality_id,
        query.inspector_id,
        query.category,
        query.approved_only,
    )


@blueprint.get("/ledger")
@allow(*READERS)
def ledger_page() -> Any:
    return ledger_view(request.args.to_dict())


def ledger_view(
    args: dict[str, Any],
    close: dict[str, Any] | None = None,
    close_problems: list[dict[str, str]] | None = None,
) -> str:
    """The ledger as filtered; `close` keeps what was typed in a refused close form."""
    try:
        wanted = ledger_filter(args)
    except Invalid as invalid:
        wanted, problems = ledger_filter({}), shown.invalid(invalid.problems)
    else:
        problems = []
    page = max(1, request.args.get("page", 1, type=int) or 1)
    # The page's own rows, and the period's count and totals from the database: a year of a
    # large team is tens of thousands of entries, of which the page shows 200.
    totals = exports.ledger_totals(g.db, wanted)
    page_rows = [
        _with_clock_times(row)
        for row in exports.ledger_rows(g.db, wanted, offset=(page - 1) * PAGE, limit=PAGE)
    ]
    return render_template(
        "finance/ledger.html",
        rows=page_rows,
        wanted=wanted,
        totals=totals,
        page=page,
        pages=max(1, -(-totals.count // PAGE)),
        problems=problems,
        header=exports.LEDGER_HEADER,
        municipalities=_municipalities(),
        categories=list(HourCategory),
        locks=ledger.locks(g.db),
        exempt_week_note=exempt_week_note(),
        labels=export_words.PAGE_LABELS,
        close=close or {"period_start": wanted.start, "period_end": wanted.end},
        close_problems=close_problems or [],
    )


START, END = exports.LEDGER_HEADER.index("start"), exports.LEDGER_HEADER.index("end")


def _with_clock_times(row: tuple[Any, ...]) -> list[Any]:
    """A ledger row as the page shows it: start and end as clock times, the end with its day when the
    work went past midnight."""
    shown = list(row)
    start, end = row[START], row[END]
    shown[START] = f"{start:%H:%M}"
    shown[END] = f"{end:%H:%M}" if end.date() == start.date() else i18n.day_clock(end)
    return shown


def _municipalities() -> list[Municipality]:
    return list(g.db.execute(select(Municipality).order_by(Municipality.name)).scalars())


def exempt_week_note() -> str:
    """What the exempt-week and allowance columns mean, beside the ledger and in its exports."""
    return i18n.gettext(
        "Exempt week: a week whose only irregular work is one stretch of at most "
        "three hours earns no allowance (CAR-UWO art. 3:11 para. 2); its entries keep "
        "their band minutes, and their allowance minutes are 0."
    )


def _ledger_export(wanted: LedgerFilter, kind: str) -> tuple[str, str]:
    """Note the export, and name its column set and file."""
    _note_export(wanted.start, wanted.end, kind)
    column_set = f"{exports.LEDGER_COLUMNS} {wanted.start.isoformat()}..{wanted.end.isoformat()}"
    return column_set, f"piket-uren-{wanted.start}-{wanted.end}.{kind}"


def _ledger_scope(wanted: LedgerFilter) -> dict[str, Any]:
    """What the register keeps of a ledger export: the filter, as ids and dates."""
    return {k: v for k, v in dataclasses.asdict(wanted).items() if v not in (None, False)}


@blueprint.get("/ledger.csv")
@allow(*READERS)
def ledger_csv() -> Any:
    wanted = ledger_filter(request.args.to_dict())
    asked = ask_first("ledger.csv", _ledger_scope(wanted))
    if asked is not None:
        return asked
    column_set, filename = _ledger_export(wanted, "csv")
    return _ledger_csv(wanted, column_set, filename)


def _ledger_csv(wanted: LedgerFilter, column_set: str, filename: str, with_names: bool = False) -> Response:
    notes, words = [exempt_week_note()], export_words.wording()
    return _csv_response(
        lambda session: ledger_lines(session, wanted, column_set, with_names, notes, words), filename
    )


@blueprint.get("/ledger.xlsx")
@allow(*READERS)
def ledger_xlsx() -> Any:
    wanted = ledger_filter(request.args.to_dict())
    asked = ask_first("ledger.xlsx", _ledger_scope(wanted))
    if asked is not None:
        return asked
    column_set, filename = _ledger_export(wanted, "xlsx")
    return _ledger_xlsx(wanted, column_set, filename)


def _ledger_xlsx(wanted: LedgerFilter, column_set: str, filename: str, with_names: bool = False) -> Any:
    header = exports.PAYROLL_HEADER if with_names else exports.LEDGER_HEADER
    rows = exports.ledger_rows(g.db, wanted, with_names)
    return _xlsx_response(column_set, header, rows, exports.SUMMED, filename, notes=[exempt_week_note()])


def _payroll(municipality_id: int, kind: str, write: Callable[..., Any]) -> Any:
    """The employer's own inspectors with their names: the one export that carries names."""
    employer = g.db.get(Municipality, municipality_id)
    if employer is None:
        abort(404)
    wanted = dataclasses.replace(ledger_filter(request.args.to_dict()), employer_id=municipality_id)
    asked = ask_first(f"payroll.{kind}", _ledger_scope(wanted))
    if asked is not None:
        return asked
    column_set = f"{exports.PAYROLL_COLUMNS} {wanted.start.isoformat()}..{wanted.end.isoformat()}"
    return write(
        wanted,
        column_set,
        f"piket-salaris-{municipality_id}-{wanted.start}-{wanted.end}.{kind}",
        with_names=True,
    )


@blueprint.get("/payroll/<int:municipality_id>.csv")
@allow(Role.FINANCE)
def payroll_csv(municipality_id: int) -> Any:
    """Hours of the inspectors this municipality employs, with their names, for its payroll."""
    return _payroll(municipality_id, "csv", _ledger_csv)


@blueprint.get("/payroll/<int:municipality_id>.xlsx")
@allow(Role.FINANCE)
def payroll_xlsx(municipality_id: int) -> Any:
    return _payroll(municipality_id, "xlsx", _ledger_xlsx)


def _note_export(start: date, end: date, kind: str) -> None:
    """Closed periods remember that they were exported (only finance's exports count)."""
    if caller().role is Role.FINANCE:
        ledger.mark_exported(g.db, now(), caller().name, start, end, kind)


def _csv_response(lines: Callable[[Session], Iterator[str]], filename: str) -> Response:
    """Stream the CSV while reading it: its own read-only session, open until the last line is sent
    (the request's transaction has ended by then), so memory stays flat however long the ledger."""
    database = current_app.extensions["piket"]["database"]

    def streamed() -> Iterator[str]:
        with database.reading() as session:
            yield from lines(session)

    return Response(
        streamed(), content_type=CSV, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def _xlsx_response(
    column_set: str, header: Any, rows: Any, summed: Any, filename: str, notes: Any = ()
) -> Any:
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - send_file closes it
    exports.xlsx(spool, column_set, header, rows, summed, notes, export_words.wording())
    spool.seek(0)
    return send_file(spool, mimetype=XLSX, as_attachment=True, download_name=filename)


def _settlement_query() -> SettlementQuery:
    """The period and mode asked for (the other parameters are the download's receiver and purpose)."""
    asked = {k: v for k, v in request.args.items() if k in SettlementQuery.model_fields}
    query: SettlementQuery = parse(SettlementQuery, {"year": today().year, **asked})
    return query


def _settlement() -> settlement.Settlement:
    query = _settlement_query()
    return settlement.settle(g.db, query.year, query.quarter, query.mode)


def pledge_note(result: settlement.Settlement) -> str | None:
    """Budget mode: how the pledges were read against the plan's inspector hours, in words."""
    reading = result.pledges
    if reading is None:
        return None
    figures = {
        "pledged": i18n.hours(reading.total_pledged_minutes),
        "plan": i18n.hours(reading.plan_minutes),
        "difference": i18n.hours(abs(reading.difference_minutes)),
    }
    if reading.rule == "scaled":
        return i18n.gettext(
            "Pledged inspector hours a year (%(pledged)s) exceed the plan's %(plan)s by %(difference)s. "
            "Rule: each pledge is credited its share of the plan's hours (pledges scaled to the plan by "
            "largest remainder); hours beyond the plan are not budgeted, so the cost stays the plan's.",
            **figures,
        )
    if reading.rule == "uncovered":
        return i18n.gettext(
            "Pledged inspector hours a year (%(pledged)s) fall short of the plan's %(plan)s by "
            "%(difference)s. Rule: each pledge is credited in full; the %(difference)s no one pledged are "
            "credited to the coordinating municipality, which arranges them; their cost is in every "
            "population share.",
            **figures,
        )
    return i18n.gettext(
        "Pledged inspector hours a year equal the plan's %(plan)s: each pledge is credited in full.",
        **figures,
    )


def _settlement_notes(result: settlement.Settlement) -> list[str]:
    note = pledge_note(result)
    return [note] if note else []


@blueprint.get("/settlement")
@allow(*READERS)
def settlement_page() -> Any:
    """The settlement, with the years the tables cover; a period they do not cover is refused on the page."""
    try:
        query = _settlement_query()
    except Invalid as invalid:  # the page of this year, and what was wrong with the address
        query, problem = parse(SettlementQuery, {"year": today().year}), shown.invalid(invalid.problems)
        flash(" ".join(shown.labelled(problem)), "problem")
    try:
        result = settlement.settle(g.db, query.year, query.quarter, query.mode)
    except ServiceError as refused:
        page = render_template(
            "finance/settlement.html",
            result=None,
            query=query,
            cents=i18n.money,
            coverage=settlement.coverage(g.db),
            problem=shown.refusal_text(refused),
            pledge_note=None,
        )
        return page, refused.status
    return render_template(
        "finance/settlement.html",
        result=result,
        query=query,
        cents=i18n.money,
        coverage=settlement.coverage(g.db),
        problem=None,
        pledge_note=pledge_note(result),
    )


def _settlement_name(result: settlement.Settlement, kind: str) -> str:
    return f"piket-verrekening-{result.mode}-{result.start}-{result.end}.{kind}"


def _settlement_scope(result: settlement.Settlement, **more: Any) -> dict[str, Any]:
    return {"mode": result.mode, "start": result.start, "end": result.end, **more}


@blueprint.get("/settlement.csv")
@allow(*READERS)
def settlement_csv() -> Any:
    result = _settlement()
    asked = ask_first("settlement.csv", _settlement_scope(result))
    if asked is not None:
        return asked
    notes, words = _settlement_notes(result), export_words.wording()
    return _csv_response(
        lambda _session: exports.csv_lines(
            exports.settlement_column_set(result),
            exports.SETTLEMENT_HEADER,
            exports.settlement_rows(result),
            exports.SETTLEMENT_SUMMED,
            notes=notes,
            words=words,
        ),
        _settlement_name(result, "csv"),
    )


@blueprint.get("/settlement.xlsx")
@allow(*READERS)
def settlement_xlsx() -> Any:
    result = _settlement()
    asked = ask_first("settlement.xlsx", _settlement_scope(result))
    if asked is not None:
        return asked
    return _xlsx_response(
        exports.settlement_column_set(result),
        exports.SETTLEMENT_HEADER,
        exports.settlement_rows(result),
        exports.SETTLEMENT_SUMMED,
        _settlement_name(result, "xlsx"),
        notes=_settlement_notes(result),
    )


@blueprint.get("/settlement/<int:municipality_id>")
@allow(*READERS)
def statement(municipality_id: int) -> Any:
    """A printable statement for one municipality: its line, and how it was reached."""
    result = _settlement()
    if municipality_id not in {line.municipality_id for line in result.lines}:
        abort(404)
    asked = ask_first("statement", _settlement_scope(result, municipality_id=municipality_id))
    if asked is not None:
        return asked
    terms = profile.statement_terms(g.db)
    shown = statements.statement(g.db, result, municipality_id, today(), terms)
    return render_template(
        "finance/statement.html", s=shown, cents=i18n.money, printed_at=now(), pledge_note=pledge_note(result)
    )


@blueprint.get("/evaluation")
@allow(*READERS)
def evaluation_page() -> Any:
    """Charts for the interim evaluation (SVG drawn here: no script, nothing external)."""
    year = request.args.get("year", today().year, type=int) or today().year
    if not 2020 <= year <= 2100:
        abort(404)
    return render_template(
        "finance/evaluation.html", result=evaluation.evaluate(g.db, now(), year), cents=i18n.money
    )


def _report_years() -> tuple[str, tuple[int, ...]]:
    """`year` as asked (a year, or `pilot` for every year of the plan) and the years it means."""
    asked = request.args.get("year", "").strip() or str(today().year)
    if asked == "pilot":
        return asked, evaluation_report.pilot_years(g.db)
    if not asked.isdigit() or not 2020 <= int(asked) <= 2100:
        abort(404)
    return asked, (int(asked),)


@blueprint.get("/evaluation/report")
@allow(*READERS)
def report_page() -> Any:
    """The evaluation report for the participating municipalities, printable from the browser."""
    asked, years = _report_years()
    refused = ask_first("evaluation.report", {"years": list(years)})
    if refused is not None:
        return refused
    return render_template(
        "finance/report.html",
        report=evaluation_report.report(g.db, now(), years),
        year_arg=asked,
        printed_at=now(),
        region=_region_name(),
        cents=i18n.money,
        shown=evaluation_report.shown,
        total_shown=evaluation_report.total_shown,
        outcome_words=safety.OUTCOME_WORDS,
    )


@blueprint.get("/evaluation/report.xlsx")
@allow(*READERS)
def report_xlsx() -> Any:
    """The evaluation report as a workbook."""
    _, years = _report_years()
    refused = ask_first("evaluation.xlsx", {"years": list(years)})
    if refused is not None:
        return refused
    found = evaluation_report.report(g.db, now(), years)
    out = io.BytesIO()
    evaluation_report.write_xlsx(out, found, _region_name(), now(), i18n.gettext)
    out.seek(0)
    return send_file(
        out, mimetype=XLSX, as_attachment=True, download_name=f"piket-evaluatie-{found.title_years}.xlsx"
    )


def _region_name() -> str:
    region = profile.the_region(g.db)
    return region.name if region else ""


@blueprint.get("/budget")
@allow(*READERS)
def budget_page() -> Any:
    return _budget_page({})


def _budget_page(kept: Mapping[str, knobs.Form]) -> str:
    """The budget of every year, line by line, each figure with its source; finance may change them.
    `kept` holds a refused form (by its id) with what was typed and why it was refused."""
    years = [(row, profile.budget_year(g.db, row.year).budget()) for row in profile.budget_rows(g.db)]
    terms = profile.statement_terms(g.db)
    source = (
        i18n.gettext("the defaults: no department or account named, payment within 30 days")
        if terms.source == STATEMENT_SOURCE
        else terms.source
    )  # the file's default source is English
    shown = kept.get("statement") or knobs.Form(
        {
            "issuer_department": terms.issuer_department,
            "iban": terms.iban,
            "payment_days": str(terms.payment_days),
            "source": source,
        }
    )
    return render_template(
        "finance/budget.html",
        years=years,
        cents=i18n.money,
        may_edit=caller().role is Role.FINANCE,
        kept=kept,
        statement=shown,
    )


@blueprint.post("/budget/<int:year>/lines/<category>")
@allow(Role.FINANCE)
def change_budget_line(year: int, category: str) -> Any:
    """One line, read by the profile file's rules; the other years stay as they were."""
    values = form_data(request.form) | {"category": category}
    return knobs.attempt(
        values,
        lambda: profile_edit.put_budget_line(
            g.db, now(), caller().name, year, read_form("budget_line", values)
        ),
        i18n.gettext("Budget %(year)s saved.", year=year),
        url_for("finance.budget_page"),
        _budget_page,
        f"line-{year}-{category}",
    )


@blueprint.post("/budget/<int:year>/fixed")
@allow(Role.FINANCE)
def change_fixed_costs(year: int) -> Any:
    values = form_data(request.form)

    def apply() -> None:
        fixed_cents, source = read_form("fixed_costs", values)
        profile_edit.set_fixed_costs(g.db, now(), caller().name, year, fixed_cents, source)

    return knobs.attempt(
        values,
        apply,
        i18n.gettext("Budget %(year)s saved.", year=year),
        url_for("finance.budget_page"),
        _budget_page,
        f"fixed-{year}",
    )


@blueprint.post("/budget/statement")
@allow(Role.FINANCE)
def change_statement_details() -> Any:
    """What every statement prints besides the coordinating municipality: department, account, days."""
    values = form_data(request.form)
    return knobs.attempt(
        values,
        lambda: profile_edit.set_statement(g.db, now(), caller().name, read_form("statement", values)),
        i18n.gettext("Statement details saved."),
        url_for("finance.budget_page"),
        _budget_page,
        "statement",
    )


@blueprint.post("/budget/<int:year>/copy")
@allow(Role.FINANCE)
def copy_budget(year: int) -> Any:
    made = profile.copy_budget(g.db, now(), caller().name, year)
    flash(i18n.gettext("Budget %(year)s made as a copy; change what the new agreement changes.", year=made))
    return redirect(url_for("finance.budget_page"))
