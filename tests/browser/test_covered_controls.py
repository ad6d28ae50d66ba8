"""Nothing covers a control: on every page reachable from the URL patterns, as a user clicks.

For each GET page of ``config/urls.py`` (pages taking an id are given objects of the demo
service, built small), signed in with a role that may open it, at a laptop's and a phone's
size: every visible link, button and form control is scrolled into view, and the element
found at its centre must be the control itself (or something inside it, or the label that
draws a DSFR checkbox or radio). A footer, a sticky bar or a neighbour running over it would
take the click instead, even though the keyboard still reaches the control.
"""

import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.urls import get_resolver
from django.urls.resolvers import URLPattern, URLResolver
from django.utils import timezone

from probatio.demo import builder
from probatio.demo.accounts import demo_code
from tests.browser.conftest import CSP_LISTENER, csp_violations
from tests.browser.pages import VIEWPORTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # The demo is built once per worker (``load_demo``): the three tests go to the same one
    # (``--dist loadgroup`` in scripts/run-tests.sh).
    pytest.mark.xdist_group("demo_tour"),
]

# Persons of the demo service: small, yet enough for every part of the demo to be built.
DEMO_PERSONS = 40

ACCOUNTS = {
    "cpip": "cpip.demo",
    "manager": "encadrement.demo",
    "secretariat": "secretariat.demo",
    "judge": "juge.demo",
    "multi": "multi.demo",
}

# Not pages: files, feeds and the SMS provider's webhook (downloads, no layout to click).
NOT_PAGES = {
    "agenda:ics",
    "agenda:feed",
    "agenda:summons_download",
    "reports:pdf",
    "reports:odt",
    "compliance:proof_file",
    "detention:cap_pdf",
    "reintegration:referral_letter_file",
    "community_work:attestation",
    "enrolments:attestation",
    "messaging:sms_webhook",
    # A GET would sign out or switch the service in the middle of the tour; both are
    # POST-only buttons of the header, checked on every page.
    "accounts:logout",
    "accounts:switch_service",
}

# Who opens a page first (the others are tried when it answers 403 or 404).
FIRST_ROLE = {
    "accounts:login": None,
    "accounts:choose_service": "multi",
    "caseloads:service": "manager",
    "organisation:settings": "manager",
    "people:create": "secretariat",
    "caseloads:allocate": "manager",
    "caseloads:queue": "manager",
    "caseloads:week": "manager",
    "caseloads:week_overdue": "manager",
    "caseloads:move": "manager",
    "caseloads:capacities": "manager",
    "caseloads:capacity_edit": "manager",
    "caseloads:reduction_delete": "manager",
    "caseloads:scale": "manager",
    "people:access_log": "manager",
    "detention:index": "manager",
    "detention:cap_new": "secretariat",
    "detention:cap_detail": "manager",
    "detention:official_import": "secretariat",
    "support:figures": "manager",
    "figures:index": "manager",
    "figures:decisions": "manager",
    "figures:execution": "manager",
    "partners:editors": "manager",
    "community_work:figures": "manager",
    "community_work:import": "secretariat",
    "community_work:hosts": "manager",
    "community_work:host": "manager",
    "community_work:host_edit": "manager",
    "community_work:supervisor_new": "manager",
    "community_work:supervisor_edit": "manager",
    "community_work:placement_new": "manager",
    "community_work:placement_edit": "manager",
    "transitions:answer": "judge",
    "transitions:committal": "manager",
    "transitions:release": "manager",
    "transitions:establishment_change": "manager",
    "accounts:set_password": None,
    "accounts:password_forgotten": None,
    "accounts:staff": "manager",
    "accounts:staff_new": "manager",
    "accounts:staff_add": "manager",
    "accounts:staff_member": "manager",
    "organisation:sites": "manager",
    "organisation:site_new": "manager",
    "organisation:site_edit": "manager",
    "organisation:site_hours": "manager",
    "organisation:room_new": "manager",
    "organisation:room_edit": "manager",
    "organisation:closed_days": "manager",
    "accounts:staff_identity": "manager",
    "accounts:staff_active": "manager",
    "accounts:staff_link": "manager",
    "accounts:staff_unlock": "manager",
    "accounts:staff_second_factor_reset": "manager",
    "accounts:staff_absence_new": "manager",
    "accounts:staff_absence_delete": "manager",
    "organisation:closed_day_delete": "manager",
    "merges:choose": "manager",
    "merges:compare": "manager",
    "merges:confirm": "manager",
    "transfers:list": "manager",
    "transfers:propose": "manager",
    "transfers:detail": "manager",
    "transfers:withdraw": "manager",
    "intensity:pending": "manager",
    "intensity:answer": "manager",
    "intensity:rules": "manager",
    "programmes:programme_new": "manager",
    "programmes:programme_edit": "manager",
    "programmes:group_new": "manager",
    "programmes:session_reschedule": "manager",
    "programmes:session_summons": "manager",
    "retention:overview": "manager",
    "retention:hold": "manager",
    "oversight:anomalies": "manager",
    "oversight:reader": "manager",
    "oversight:settings": "manager",
}
ROLE_ORDER = ("cpip", "manager", "secretariat", "judge")

# Pages about a person that need a person in custody, or with a TIG.
CUSTODY_PAGES = ("sentences:", "support:", "release:", "transitions:release", "transitions:e")
TIG_PAGES = ("community_work:tab", "community_work:order_new")


def url_patterns():
    """(name, route, keyword arguments) of every named pattern, admin excluded."""

    def walk(patterns, prefix, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern) and entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                converters = entry.pattern.converters
                kinds = {
                    k: type(c).__name__.removesuffix("Converter").lower()
                    for k, c in converters.items()
                }
                yield name, prefix + str(entry.pattern), kinds

    for name, route, params in walk(get_resolver().url_patterns, "", ""):
        # The platform's administration is Django's own admin, not the DSFR pages.
        if not name.startswith("admin:"):
            yield name, route, params


def demo_objects() -> dict:
    from django.db.models import Exists, OuterRef

    from probatio.accounts.models import Absence, User
    from probatio.agenda.models import Appointment, Summons
    from probatio.assessments.models import Assessment, IntensityDecision
    from probatio.caseloads.models import CapacityReduction
    from probatio.community_work.models import (
        Assignment,
        HostOrganisation,
        Placement,
        Supervisor,
        TigOrder,
    )
    from probatio.compliance.models import Proof
    from probatio.demo.merges import duplicate_pair
    from probatio.measures.models import Decision, Measure, Obligation
    from probatio.messaging.models import Message
    from probatio.notes.models import InterviewNote
    from probatio.organisation.models import ClosedDay, Room, Site
    from probatio.people.models import Person
    from probatio.programmes.models import Enrolment, GroupSession, ProgrammeGroup
    from probatio.reintegration.models import (
        FamilyContact,
        Need,
        Partner,
        PartnerAgreement,
        PartnerContact,
        PartnerEditor,
        PartnerReferral,
        PartnerSite,
        ReleasePlanItem,
    )
    from probatio.reports.models import Report
    from probatio.sentences.models import CapSession, Sentence
    from probatio.transfers.models import Transfer

    cpip = User.objects.get(username="cpip.demo")
    mine = {"person__assigned_cpip": cpip}
    # The appointment whose outcome is to record: its page has the outcome form. Its person
    # has an obligation (the latest such appointment changes with the time of day, and a
    # pre-sentence file has none).
    appointment = (
        Appointment.objects.filter(staff=cpip, status="planned", starts_at__lte=timezone.now())
        .filter(Exists(Obligation.objects.filter(measure__person_id=OuterRef("person_id"))))
        .order_by("-starts_at")
        .first()
    )
    person = appointment.person
    service = person.service
    host = HostOrganisation.objects.filter(partner__service=service).first()
    order = TigOrder.objects.filter(**mine).first()
    return {
        "person": person,
        # A person of cpip.demo's own caseload, in the community, with an open measure: whom
        # a CPIP books for (free slots, an unplanned interview).
        "community": Person.objects.filter(
            assigned_cpip=cpip, measures__status__in=("active", "pending")
        )
        .exclude(custody_records__release_date__isnull=True, custody_records__isnull=False)
        .order_by("pk")
        .first(),
        "custody": Person.objects.filter(
            assigned_cpip=cpip,
            custody_records__isnull=False,
            custody_records__release_date__isnull=True,
        ).first(),
        "tig": order.person,
        "appointment": appointment,
        "decision": Decision.objects.filter(person=person).first(),
        "measure": Measure.objects.filter(person=person).first(),
        "obligation": Obligation.objects.filter(measure__person=person).first(),
        "note": InterviewNote.objects.filter(person=person, author=cpip).first(),
        "message": Message.objects.filter(appointment__isnull=False, **mine).first(),
        "summons": Summons.objects.filter(**mine).first(),
        # A proof with a file: its preview is one of the pages toured.
        "proof": Proof.objects.filter(**mine).exclude(file="").order_by("pk").first(),
        "report": Report.objects.filter(author=cpip, status="draft").first(),
        "transmitted": Report.objects.filter(status="transmitted").first(),
        "sentence": Sentence.objects.filter(**mine).first(),
        "cap": CapSession.objects.filter(establishment__service=service).first(),
        "partner": Partner.objects.filter(service=service).first(),
        "partner_site": PartnerSite.objects.filter(partner__service=service).first(),
        "partner_contact": PartnerContact.objects.filter(partner__service=service).first(),
        "agreement": PartnerAgreement.objects.filter(partner__service=service).first(),
        "editor": PartnerEditor.objects.filter(service=service).first(),
        "need": Need.objects.filter(**mine).first(),
        "referral": PartnerReferral.objects.filter(**mine).first(),
        "release_item": ReleasePlanItem.objects.filter(plan__person__assigned_cpip=cpip).first(),
        "family_contact": FamilyContact.objects.filter(**mine).first(),
        "order": order,
        "assignment": Assignment.objects.filter(order__person__assigned_cpip=cpip).first(),
        "host": host,
        "supervisor": Supervisor.objects.filter(host=host).first(),
        "placement": Placement.objects.filter(host=host).first(),
        # The request waiting for the demo service (demo/transfers.py).
        "transfer": Transfer.objects.filter(to_service=service, status="pending").first(),
        # A CPIP's reduction of capacity (demo/allocation.py).
        "reduction": CapacityReduction.objects.filter(membership__service=service).first(),
        # The pair of files of the same person for a manager to merge (demo/merges.py).
        "merge_pair": duplicate_pair(service) or None,
        # The service's staff and sites (demo/staff.py: a closed day, absences).
        "staff_member": cpip.memberships.get(service=service),
        "site": Site.objects.filter(service=service).order_by("pk").first(),
        "room": Room.objects.filter(site__service=service).order_by("pk").first(),
        "absence": Absence.objects.filter(membership__service=service).order_by("pk").first(),
        "closed_day": ClosedDay.objects.filter(service=service).order_by("pk").first(),
        # The latest assessment of cpip.demo's persons: its page has the choice of level.
        "assessment": Assessment.objects.filter(**mine).order_by("-assessed_on", "-pk").first(),
        # A decision of follow-up intensity (its answer is a POST-only action).
        "intensity_decision": IntensityDecision.objects.filter(service=service)
        .order_by("pk")
        .first(),
        # A group of the service's programmes with participants, and its first session (its
        # attendance form; the move is a POST-only action).
        "programme_group": ProgrammeGroup.objects.filter(
            programme__service=service, enrolments__status="enrolled"
        )
        .order_by("pk")
        .first(),
        "programme_session": GroupSession.objects.filter(
            group__programme__service=service, group__enrolments__status="enrolled"
        )
        .order_by("starts_at", "pk")
        .first(),
        # A referral of cpip.demo's persons still on its way: its page has the move form.
        "enrolment": Enrolment.objects.filter(
            **mine, status__in=("suitable", "waiting", "enrolled", "proposed")
        )
        .order_by("pk")
        .first(),
    }


# Which demo object fills a page's path: object key, then its arguments.
OBJECT_ARGUMENTS = {
    "measures:decision_edit": ("decision", lambda o: {"pk": o.person_id, "decision_id": o.pk}),
    "measures:measure_edit": ("measure", lambda o: {"pk": o.person_id, "measure_id": o.pk}),
    "measures:obligation_create": (
        "measure",
        lambda o: {"pk": o.person_id, "measure_id": o.pk},
    ),
    "measures:obligation_edit": (
        "obligation",
        lambda o: {"pk": o.measure.person_id, "obligation_id": o.pk},
    ),
    "notes:detail": ("note", lambda o: {"pk": o.person_id, "note_id": o.pk}),
    "notes:edit": ("note", lambda o: {"pk": o.person_id, "note_id": o.pk}),
    "agenda:message_settle": (
        "message",
        lambda o: {"pk": o.appointment_id, "message_id": o.pk},
    ),
    "agenda:summons_sent": ("summons", lambda o: {"pk": o.pk}),
    "agenda:free_slots": ("community", lambda o: {"pk": o.pk}),
    "agenda:unplanned": ("community", lambda o: {"pk": o.pk}),
    "compliance:proof_new": (
        "proof",
        lambda o: {"pk": o.person_id, "obligation_id": o.obligation_id},
    ),
    "sentences:sentence_remove": (
        "sentence",
        lambda o: {"pk": o.person_id, "sentence_id": o.pk},
    ),
    "detention:cap_detail": ("cap", lambda o: {"session_id": o.pk}),
    "partners:site_edit": (
        "partner_site",
        lambda o: {"partner_id": o.partner_id, "site_id": o.pk},
    ),
    "partners:contact_edit": (
        "partner_contact",
        lambda o: {"partner_id": o.partner_id, "contact_id": o.pk},
    ),
    "partners:agreement_edit": (
        "agreement",
        lambda o: {"partner_id": o.partner_id, "agreement_id": o.pk},
    ),
    "partners:editor_remove": ("editor", lambda o: {"editor_id": o.pk}),
    "reintegration:need_status": ("need", lambda o: {"pk": o.person_id, "need_id": o.pk}),
    "release:item_edit": ("release_item", lambda o: {"pk": o.plan.person_id, "item_id": o.pk}),
    "support:contact_edit": (
        "family_contact",
        lambda o: {"pk": o.person_id, "contact_id": o.pk},
    ),
    "community_work:assignment_end": (
        "assignment",
        lambda o: {"pk": o.order.person_id, "assignment_id": o.pk},
    ),
    "community_work:supervisor_edit": (
        "supervisor",
        lambda o: {"partner_id": o.host.partner_id, "supervisor_id": o.pk},
    ),
    "community_work:placement_edit": (
        "placement",
        lambda o: {"partner_id": o.host.partner_id, "placement_id": o.pk},
    ),
    "transfers:detail": ("transfer", lambda o: {"pk": o.pk}),
    "transfers:withdraw": ("transfer", lambda o: {"pk": o.pk}),
    "merges:compare": ("merge_pair", lambda o: {"pk": o[0].pk, "other": o[1].pk}),
    "caseloads:capacity_edit": ("reduction", lambda o: {"membership_id": o.membership_id}),
    "caseloads:reduction_delete": ("reduction", lambda o: {"reduction_id": o.pk}),
    "merges:confirm": ("merge_pair", lambda o: {"pk": o[0].pk, "other": o[1].pk}),
    "accounts:staff_member": ("staff_member", lambda o: {"membership_id": o.pk}),
    "organisation:site_edit": ("site", lambda o: {"site_id": o.pk}),
    "organisation:site_hours": ("site", lambda o: {"site_id": o.pk}),
    "organisation:room_new": ("site", lambda o: {"site_id": o.pk}),
    "organisation:room_edit": ("room", lambda o: {"room_id": o.pk}),
    # POST-only actions of those pages (classified as such, never clicked by the tour).
    "accounts:staff_identity": ("staff_member", lambda o: {"membership_id": o.pk}),
    "accounts:staff_active": ("staff_member", lambda o: {"membership_id": o.pk}),
    "accounts:staff_link": ("staff_member", lambda o: {"membership_id": o.pk}),
    "accounts:staff_unlock": ("staff_member", lambda o: {"membership_id": o.pk}),
    "accounts:staff_second_factor_reset": ("staff_member", lambda o: {"membership_id": o.pk}),
    "accounts:staff_absence_new": ("staff_member", lambda o: {"membership_id": o.pk}),
    "accounts:staff_absence_delete": ("absence", lambda o: {"absence_id": o.pk}),
    "organisation:closed_day_delete": ("closed_day", lambda o: {"closed_id": o.pk}),
    "assessments:detail": ("assessment", lambda o: {"pk": o.person_id, "assessment_id": o.pk}),
    "assessments:choose": ("assessment", lambda o: {"pk": o.person_id, "assessment_id": o.pk}),
    "assessments:section_add": (
        "assessment",
        lambda o: {"pk": o.person_id, "assessment_id": o.pk},
    ),
    "intensity:answer": (
        "intensity_decision",
        lambda o: {"person_id": o.person_id, "decision_id": o.pk},
    ),
    "programmes:programme_detail": ("programme_group", lambda o: {"programme_id": o.programme_id}),
    "programmes:programme_edit": ("programme_group", lambda o: {"programme_id": o.programme_id}),
    "programmes:group_new": ("programme_group", lambda o: {"programme_id": o.programme_id}),
    "programmes:group_detail": ("programme_group", lambda o: {"group_id": o.pk}),
    "programmes:session_detail": ("programme_session", lambda o: {"session_id": o.pk}),
    "programmes:session_reschedule": ("programme_session", lambda o: {"session_id": o.pk}),
    "programmes:session_summons": ("programme_session", lambda o: {"session_id": o.pk}),
    "enrolments:detail": ("enrolment", lambda o: {"pk": o.person_id, "enrolment_id": o.pk}),
    "enrolments:move": ("enrolment", lambda o: {"pk": o.person_id, "enrolment_id": o.pk}),
    "enrolments:attestation": (
        "enrolment",
        lambda o: {"pk": o.person_id, "enrolment_id": o.pk},
    ),
    # A reader's entries of the day in the anomaly view (cpip.demo's).
    "oversight:reader": ("staff_member", lambda o: {"user_id": o.user_id}),
}


def arguments_for(name: str, params: dict[str, str], objects: dict) -> dict | None:
    if name in OBJECT_ARGUMENTS:
        key, arguments = OBJECT_ARGUMENTS[name]
        return arguments(objects[key]) if objects[key] is not None else None
    found = {}
    if "proof_id" in params:
        found = {"pk": objects["proof"].person_id, "proof_id": objects["proof"].pk}
        found.update({"page": 1} if "page" in params else {})
    elif "referral_id" in params:
        found = {"pk": objects["referral"].person_id, "referral_id": objects["referral"].pk}
    elif "order_id" in params:
        found = {"pk": objects["order"].person_id, "order_id": objects["order"].pk}
    elif list(params) == ["partner_id"]:
        if name.startswith("community_work:"):
            found = {"partner_id": objects["host"].partner_id}
        else:
            found = {"partner_id": objects["partner"].pk}
    elif name == "reports:unknown_step":
        found = {"pk": objects["report"].pk, "step": "inconnue"}
    elif list(params) == ["pk"]:
        if name.startswith("agenda:") and name not in ("agenda:person_list", "agenda:book"):
            found = {"pk": objects["appointment"].pk}
        elif name.startswith("reports:") and name != "reports:person_list":
            found = {"pk": objects["report"].pk}
        elif name.startswith("transitions:answer"):
            found = {"pk": objects["transmitted"].pk}
        elif name.startswith(CUSTODY_PAGES):
            found = {"pk": objects["custody"].pk}
        elif name.startswith(TIG_PAGES):
            found = {"pk": objects["tig"].pk}
        else:
            found = {"pk": objects["person"].pk}
    # Text parameters (a draft's place) take any word: such addresses are actions, refused
    # to a GET before the word is read.
    if "pk" in params and not found:
        found = {"pk": objects["person"].pk}
    found.update({k: "x" for k, kind in params.items() if k not in found and kind != "int"})
    return found if set(found) == set(params) else None


@dataclass
class Tour:
    checked: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    covered: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)  # what the Content-Security-Policy blocked
    controls: int = 0
    built_in: float = 0


# One evaluation per page: every visible control, scrolled into view, hit-tested at its
# centre.
HIT_TEST = """() => {
  const controls = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
    + '[role=button], [tabindex]:not([tabindex="-1"])';
  const describe = (el) => {
    if (!el) return "rien (hors de la fenêtre)";
    let text = (el.getAttribute("aria-label") || el.innerText || el.value || el.name || "");
    text = text.replace(/\\s+/g, " ").trim().slice(0, 50);
    const classes = [...el.classList].slice(0, 3).map((c) => "." + c).join("");
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + classes
      + (text ? " « " + text + " »" : "");
  };
  // Where a user aims: the largest of the control's boxes (one per line of a link that
  // wraps) and of its children's (the picture inside a link).
  const largest = (el) => {
    const boxes = [...el.getClientRects()];
    for (const child of el.children) boxes.push(child.getBoundingClientRect());
    return boxes.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a), boxes[0]);
  };
  const covered = [];
  let count = 0;
  for (const el of document.querySelectorAll(controls)) {
    // Skip links appear when focused, by design.
    if (el.closest(".fr-skiplinks")) continue;
    if (!el.checkVisibility({ visibilityProperty: true, contentVisibilityAuto: true })) continue;
    if (!el.getClientRects().length) continue;
    el.scrollIntoView({ block: "center", inline: "center", behavior: "instant" });
    let box = largest(el);
    if (!box || box.width <= 1 || box.height <= 1) continue;  // visually hidden (fr-sr-only)
    const middle = box.top + box.height / 2;
    if (middle < 0 || middle >= window.innerHeight) {
      window.scrollBy({ top: middle - window.innerHeight / 2, behavior: "instant" });
      box = largest(el);
    }
    count += 1;
    // A control larger than the window (a wide table that scrolls) is aimed at the middle of
    // what shows of it, as a user would.
    const left = Math.max(box.left, 0), right = Math.min(box.right, window.innerWidth);
    const top = Math.max(box.top, 0), bottom = Math.min(box.bottom, window.innerHeight);
    const hit = right > left && bottom > top
      ? document.elementFromPoint((left + right) / 2, (top + bottom) / 2)
      : null;
    if (hit && (hit === el || el.contains(hit))) continue;
    // DSFR checkboxes and radios: the label draws the box and takes the click.
    if (hit && el.labels && [...el.labels].some((l) => l === hit || l.contains(hit))) continue;
    covered.push(describe(el) + " ← recouvert par " + describe(hit)
      + (hit ? " " + hit.outerHTML.slice(0, 100) : ""));
  }
  window.scrollTo(0, 0);
  return { count, covered };
}"""


def sign_in(browser, live_server, role, size):
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": size[0], "height": size[1]}
    )
    context.add_init_script(script=CSP_LISTENER)
    context.set_default_timeout(15_000)
    page = context.new_page()
    if role is not None:
        page.goto("/connexion/")
        page.get_by_label("Identifiant").fill(ACCOUNTS[role])
        page.get_by_label("Mot de passe").fill(settings.PROBATIO_DEMO_PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Se connecter").click()
        # The demo accounts' second factor (each account its own device: no code replayed).
        page.get_by_label("Code de vérification").fill(demo_code())
        with page.expect_navigation():
            page.get_by_role("button", name="Valider").click()
    return context, page


# Built once for both screen sizes: the demo's database (SQLite) is copied aside after its
# first build and copied back for the next test; each page's role and kind are kept too.
_SAVED = {}


def load_demo() -> float:
    from django.db import connection

    started = time.monotonic()
    connection.ensure_connection()
    sqlite = connection.vendor == "sqlite"
    if sqlite and "database" in _SAVED:
        _SAVED["database"].backup(connection.connection)
    else:
        builder.build_demo(persons=DEMO_PERSONS, log=lambda *args: None)
        if sqlite:
            _SAVED["database"] = sqlite3.connect(":memory:", check_same_thread=False)
            connection.connection.backup(_SAVED["database"])
    return time.monotonic() - started


# Pages reached through a link that carries a parameter.
QUERIES = {
    "community_work:order_new": lambda objects: f"?obligation={objects['order'].obligation_id}",
}


def tour(browser, live_server, database_turn, size) -> Tour:
    from django.urls import reverse

    result = Tour()
    with database_turn:
        result.built_in = load_demo()
        objects = demo_objects()
        targets = []
        for name, _route, params in url_patterns():
            if name in NOT_PAGES:
                continue
            arguments = arguments_for(name, params, objects)
            if arguments is None:
                result.unreachable.append(f"{name} : aucun objet de la démo pour {params}")
                continue
            query = QUERIES[name](objects) if name in QUERIES else ""
            targets.append((name, reverse(name, kwargs=arguments) + query))

    sessions = {}

    def page_for(role):
        if role not in sessions:
            sessions[role] = sign_in(browser, live_server, role, size)
        return sessions[role][1]

    known = _SAVED.setdefault("pages", {})
    try:
        for name, path in targets:
            if (name, path) not in known:
                known[(name, path)] = classify(name, path, page_for)
            role, skipped = known[(name, path)]
            if skipped:
                result.skipped.append(f"{name} ({skipped})")
                continue
            if role is False:
                result.unreachable.append(f"{name} {path}")
                continue
            page = page_for(role)
            page.goto(path)
            found = page.evaluate(HIT_TEST)
            result.csp += [f"{path} ({role}) : {line}" for line in csp_violations(page)]
            result.controls += found["count"]
            result.checked.append(f"{path} ({role})")
            result.covered += [f"{path} ({role}) : {line}" for line in found["covered"]]
    finally:
        for context, _page in sessions.values():
            context.close()
    return result


def classify(name, path, page_for) -> tuple:
    """(the first role that opens the page, None) or (None, why it is not a page), asked
    without rendering: POST-only actions, files and redirects are not pages; (False, None)
    when no role opens it."""
    first = FIRST_ROLE.get(name, "cpip")
    roles = [first] + [r for r in ROLE_ORDER if r != first] if first else [None]
    for role in roles:
        probe = page_for(role).request.get(path, max_redirects=0)
        status = probe.status
        if status in (403, 404):
            continue
        if status == 405:
            return None, "POST seulement"
        if 300 <= status < 400:
            return None, "redirige"
        assert status == 200, f"{path} ({role}) : réponse {status}"
        kind = probe.headers.get("content-type", "")
        if not kind.startswith("text/html"):
            return None, kind
        return role, None
    return False, None


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_nothing_covers_a_control(browser, live_server, database_turn, viewport):
    started = time.monotonic()
    result = tour(browser, live_server, database_turn, VIEWPORTS[viewport])
    print(
        f"\n{viewport} : {len(result.checked)} pages, {result.controls} contrôles, "
        f"{time.monotonic() - started:.0f} s (démo : {result.built_in:.0f} s) ; "
        "non vérifiées : " + ", ".join(result.skipped)
    )
    assert not result.unreachable, "Pages qu'aucun rôle n'ouvre avec les objets de la démo :\n" + (
        "\n".join(result.unreachable)
    )
    assert not result.covered, f"{viewport} : contrôles recouverts :\n" + "\n".join(result.covered)
    assert not result.csp, f"{viewport} : politique de sécurité du contenu :\n" + "\n".join(
        result.csp
    )
    assert len(result.checked) >= 60


# --- The probe: another service's staff ask for this service's objects -------------------------

# Every role of another service (the platform's administrators have their own pages).
PROBE_ROLES = (
    "cpip",
    "manager",
    "secretariat",
    "judge",
    "psychologist",
    "social_worker",
    "monitoring",
)
# Addresses authenticated by a secret of their own, not a session (tested on their own), and
# the header's sign-out and change of service.
NOT_PROBED = {
    "agenda:feed",
    "messaging:sms_webhook",
    "accounts:set_password",
    "accounts:logout",
    "accounts:switch_service",
}
MADE_UP_ID = 999_999_999
# Each pattern is asked by GETS roles by GET and POSTS others by POST, turning over the roles
# from one pattern to the next (every role meets every kind of object; asking all seven by
# both methods on every pattern cost a minute of the suite for the same answers).
GETS, POSTS = 3, 2


def probes_of(index: int) -> list[tuple[str, str]]:
    count = len(PROBE_ROLES)
    gets = [PROBE_ROLES[(index + k) % count] for k in range(GETS)]
    posts = [PROBE_ROLES[(index + GETS + k) % count] for k in range(POSTS)]
    return [(role, "get") for role in gets] + [(role, "post") for role in posts]


def test_another_services_objects_are_not_found_whatever_the_role_and_method(database_turn):
    """Every URL pattern taking an object, with an object of the demo service, asked by roles
    of another service (every role, in turn: ``probes_of``), by GET and by POST: a 404 (or 405 for the wrong method), or a 403
    given the same for an id that exists nowhere (the role is refused before anything is
    looked up: the answer tells nothing of the object); nothing of the demo service is read
    or written (its journal does not move). Sample objects, one per pattern."""
    from django.test import Client
    from django.urls import reverse

    from probatio.audit.models import AuditEntry
    from tests.factories import MembershipFactory, ServiceFactory

    with database_turn:
        load_demo()
        objects = demo_objects()
        targets = []
        for name, _route, params in url_patterns():
            if not params or name in NOT_PROBED:
                continue
            arguments = arguments_for(name, params, objects)
            if arguments is None:
                continue
            made_up = {
                key: MADE_UP_ID if isinstance(value, int) else value
                for key, value in arguments.items()
            }
            targets.append((name, reverse(name, kwargs=arguments), reverse(name, kwargs=made_up)))
        demo_service = objects["person"].service_id
        elsewhere = ServiceFactory(name="SPIP d'un autre département")
        journal_before = AuditEntry.objects.filter(service_id=demo_service).count()
        clients = {}
        for role in PROBE_ROLES:
            member = MembershipFactory(service=elsewhere, role=role)
            clients[role] = Client()
            clients[role].force_login(member.user)
        problems, asked = [], Counter()
        for index, (name, url, made_up) in enumerate(targets):
            for role, verb in probes_of(index):
                method = getattr(clients[role], verb)
                status = method(url).status_code
                asked[role, verb] += 1
                if status in (404, 405):
                    continue
                if status == 403 and method(made_up).status_code == 403:
                    continue
                problems.append(f"{role} {verb.upper()} {url} ({name}) : {status}")
        journal_after = AuditEntry.objects.filter(service_id=demo_service).count()
    assert len(targets) >= 150 and sum(asked.values()) == len(targets) * (GETS + POSTS)
    # Every role asks by both methods, about as often as the others (the turn over the roles
    # leaves them within one round of each other).
    assert len(asked) == len(PROBE_ROLES) * 2
    for verb, per_pattern in (("get", GETS), ("post", POSTS)):
        counts = [asked[role, verb] for role in PROBE_ROLES]
        assert max(counts) - min(counts) <= per_pattern, (verb, counts)
    assert not problems, "Réponses sur les objets d'un autre service :\n" + "\n".join(problems)
    assert journal_after == journal_before
