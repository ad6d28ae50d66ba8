"""What the journal keeps of each free-text field: its value, or only its name.

The journal proves who did what and when; it is not a second copy of the file. A free text
about a person (an interview, a reason, a comment, an observation, a victim's identity) is
journaled by name only: the entry says « modifié », the file keeps the text. Labels, names of
places and organisations, addresses of sites and the like keep their value.

Every free-text field of a model (a text field, or a character field of 200 characters or more
without choices) is declared here, one way or the other; a test fails on a field left
undeclared, so that a new field is decided when it is added. ``audit.record`` applies the
table to every entry, whoever writes it.

The identity of a person followed, of a victim and of a relative (names, birth, addresses,
telephone, e-mail: ``IDENTITIES``, whatever the field's type) is journaled by name only too:
the journal proves that the identity was changed, and by whom; the file keeps the values. An
entry thus names no one once the file itself is gone (the journal outlives it). The staff,
the partners' contacts and the courts keep their names: the journal is about their work.
"""

# Journaled by name only.
NAME_ONLY: dict[str, frozenset[str]] = {
    "agenda.appointment": frozenset({"status_reason"}),
    # A staff member's reduction of capacity: its comment may speak of their health.
    # An assessment's content stays in the file: answers (sensitive or not), the reasons of
    # the proposal (they quote answers), the summary, the psychologist's observations.
    "assessments.assessment": frozenset(
        {"answers", "sensitive_answers", "sensitive_reason", "summary", "proposal_reasons"}
    ),
    "assessments.intensitydecision": frozenset({"reason", "answer_comment"}),
    "assessments.psychologistsection": frozenset({"text"}),
    "caseloads.capacityreduction": frozenset({"comment"}),
    "community_work.assignment": frozenset({"end_reason"}),
    "community_work.worksession": frozenset({"remarks"}),
    "compliance.incident": frozenset({"description", "person_explanation", "dismissal_reason"}),
    "compliance.proof": frozenset({"comment", "refusal_reason"}),
    "measures.obligation": frozenset({"details"}),
    "messaging.message": frozenset({"body"}),
    "notes.interviewnote": frozenset({"subject", "body"}),
    "notes.notedraft": frozenset({"subject", "body", "reasons"}),
    "people.situationentry": frozenset({"details"}),
    # Why an enrolment moved (withdrawn, excluded…) and a note on an attendance: about the
    # person.
    "programmes.attendancenote": frozenset({"text"}),
    "programmes.enrolment": frozenset({"reason"}),
    "programmes.enrolmentstep": frozenset({"reason"}),
    "reintegration.arrivalinterview": frozenset({"observations"}),
    "reintegration.destitutionassessment": frozenset({"comment"}),
    "reintegration.familycontact": frozenset({"comment"}),
    "reintegration.familystep": frozenset({"comment"}),
    "reintegration.need": frozenset({"details"}),
    "reintegration.needchange": frozenset({"comment"}),
    "reintegration.partnerreferral": frozenset({"purpose", "outcome"}),
    "reintegration.referralstep": frozenset({"comment"}),
    "reintegration.releaseplanitem": frozenset({"comment"}),
    "reports.judgeanswer": frozenset({"text", "reasons"}),
    "reports.report": frozenset({"return_comment"}),
    "reports.reportstep": frozenset({"comment"}),
    # Why a file is put under a legal hold (a dispute, the court's request): about the person.
    "retention.legalhold": frozenset({"reason"}),
    "sentences.capsession": frozenset({"notes"}),
    "transfers.transfer": frozenset({"comment", "answer_comment"}),
}

# Kept with their value: what the entry needs to be read (names, labels, places, contacts of
# organisations), or what the file shows on every page anyway.
KEPT: dict[str, frozenset[str]] = {
    "accounts.user": frozenset({"email"}),
    "assessments.gridversion": frozenset({"label", "notes"}),
    "community_work.hostorganisation": frozenset({"approval_court"}),
    "community_work.placement": frozenset(
        {"description", "activity", "address", "skills", "constraints"}
    ),
    "community_work.supervisor": frozenset({"email"}),
    "community_work.tigorder": frozenset({"skills"}),
    "compliance.proof": frozenset({"document_type", "original_name"}),
    "core.lease": frozenset({"holder"}),  # a process's name (host and pid), never a person's
    "measures.decision": frozenset({"jurisdiction", "summary"}),
    "measures.measurerule": frozenset({"text"}),
    "measures.measuretype": frozenset({"label", "legal_basis", "spip_duties", "description"}),
    "measures.obligation": frozenset({"zone", "care_structure"}),
    "measures.obligationtype": frozenset({"label", "proof_hint"}),
    "measures.offence": frozenset({"label"}),
    "messaging.message": frozenset({"subject", "last_error"}),
    "agenda.appointment": frozenset({"place_detail", "to_bring"}),
    "organisation.closedday": frozenset({"reason"}),
    "organisation.court": frozenset({"name"}),
    "organisation.establishment": frozenset({"name", "address"}),
    "organisation.room": frozenset({"access_notes"}),
    "organisation.service": frozenset({"name", "address"}),
    "organisation.site": frozenset({"name", "address", "access_notes"}),
    "people.person": frozenset({"languages", "judicial_alert"}),
    # The catalogue's descriptions, and the partners' staff who facilitate a group (names of
    # professionals, as the partner directory keeps them).
    "programmes.programme": frozenset({"name", "aim", "public", "modules"}),
    "programmes.programmegroup": frozenset({"external_facilitators"}),
    "reintegration.destitutionaid": frozenset({"item"}),
    "reintegration.partner": frozenset(
        {"name", "email", "website", "description", "services_offered"}
    ),
    "reintegration.partneragreement": frozenset({"scope"}),
    "reintegration.partnercontact": frozenset({"email"}),
    "reintegration.partnerreferral": frozenset({"letter_file"}),
    "reintegration.partnersite": frozenset({"name", "address", "opening_hours"}),
    "reports.judgeanswer": frozenset({"part"}),
    "reports.report": frozenset({"title"}),
    "retention.retentionrule": frozenset({"legal_source"}),  # a citation of the law
    "sentences.officialdatesimport": frozenset({"file_name"}),
    "sentences.sentence": frozenset({"description"}),
}

# Identities, journaled by name only whatever the field's type (short names and dates included):
# the person followed (names, birth, telephone, e-mail, addresses and who hosts them), the
# victims named by an obligation, the relatives of a person in prison, the telephone or address
# a message was sent to.
IDENTITIES: dict[str, frozenset[str]] = {
    "measures.obligation": frozenset({"victim_name", "victim_contact"}),
    "messaging.message": frozenset({"recipient"}),
    "people.address": frozenset({"line1", "line2", "postcode", "city", "hosted_by"}),
    "people.person": frozenset(
        {
            "surname",
            "birth_surname",
            "first_names",
            "aliases",
            "birth_date",
            "birth_place",
            "phone",
            "email",
        }
    ),
    "reintegration.familycontact": frozenset({"name", "phone", "city"}),
}

# Never journaled as changes: the journal itself, the chronology, search keys.
NOT_JOURNALED: dict[str, frozenset[str]] = {
    # What a file weighs in its caseload, recomputed from its measures (never written by a
    # person).
    "assessments.fileload": frozenset({"measures"}),
    "audit.auditentry": frozenset({"actor_label", "summary"}),
    # The providers' output, recomputed from the files (never written by a person).
    "deadlines.dueitemrecord": frozenset({"label", "detail", "url"}),
    "people.timelineevent": frozenset({"title", "detail"}),
    "people.person": frozenset({"search_text", "email_key"}),
    "reintegration.partner": frozenset({"search_text"}),
}


def name_only(label: str) -> frozenset[str]:
    """The fields of a model (``"people.person"``) journaled by name only: its free texts
    about a person and the identities it holds."""
    return NAME_ONLY.get(label, frozenset()) | IDENTITIES.get(label, frozenset())
