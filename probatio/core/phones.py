"""Phone numbers: parsed and normalised to E.164 (French formats by default, international
numbers allowed), displayed in the national format for French numbers."""

import phonenumbers

DEFAULT_REGION = "FR"
# A national number (0…) may belong to an overseas département or collectivity, whose numbers
# are written the same way (0692… is a mobile in La Réunion).
OVERSEAS_REGIONS = ["RE", "GP", "MQ", "GF", "YT", "PM", "BL", "MF", "NC", "PF", "WF"]


class InvalidPhone(ValueError):
    pass


def normalise(raw: str, region: str = DEFAULT_REGION) -> str:
    """``"06 12 34 56 78"`` → ``"+33612345678"``. Raises ``InvalidPhone`` (French message)."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(
            "Numéro de téléphone illisible : saisissez par exemple 06 12 34 56 78 "
            "ou +32 470 12 34 56."
        ) from exc
    if not phonenumbers.is_valid_number(number) and not raw.startswith("+"):
        for overseas in OVERSEAS_REGIONS:
            candidate = phonenumbers.parse(raw, overseas)
            if phonenumbers.is_valid_number(candidate):
                number = candidate
                break
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(
            "Ce numéro de téléphone n'existe pas dans le plan de numérotation "
            "(vérifiez le nombre de chiffres et l'indicatif du pays)."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    """Can this number receive SMS (mobile, or a number type that may be mobile)?"""
    if not e164:
        return False
    number = phonenumbers.parse(e164, None)
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def display(e164: str) -> str:
    """National format for French numbers (06 12 34 56 78), international otherwise."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) in (DEFAULT_REGION, *OVERSEAS_REGIONS):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
