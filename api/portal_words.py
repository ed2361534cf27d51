"""The payment portal in the customer's language: its words, and Babel for money and dates.

The portal speaks English, German and French (the languages of the shipped templates and of the
customers in the demo ledger); any other language falls back to English words, while amounts
and dates are still written the customer's way by Babel (``1.234,50 €`` for German,
``3 décembre 2026`` for French). Amounts arrive computed by the engine: this module only writes
them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency

LANGUAGES = ("en", "de", "fr")
DEFAULT_LANGUAGE = "en"

_EN: dict[str, str] = {
    "title": "Your account with {company}",
    "intro": "Account {customer} · as of {day}",
    "nothing_due": "Thank you: nothing is due on your account today.",
    "open_invoices": "Open invoices",
    "invoice": "Invoice",
    "issued": "Issued",
    "due": "Due",
    "days_overdue": "Days overdue",
    "not_yet_due": "not yet due",
    "amount": "Invoiced",
    "open": "Open",
    "disputed": "under dispute",
    "download": "PDF",
    "download_invoice": "Download invoice {invoice} as PDF",
    "charges": "Charges owed",
    "charge_fee": "Reminder fee",
    "charge_interest": "Late-payment interest",
    "total_due": "Total due",
    "statement": "Download a statement of account (PDF)",
    "statement_title": "Statement of account",
    "how_to_pay": "How to pay",
    "pay_online": "Pay {amount} online",
    "bank_transfer": "Bank transfer",
    "account_name": "Account name",
    "bank": "Bank",
    "iban": "IBAN",
    "bic": "BIC",
    "sort_code": "Sort code",
    "account_number": "Account number",
    "reference": "Payment reference",
    "copy": "Copy",
    "copied": "Copied",
    "contact_us": "Please contact us for how to pay in {currency}.",
    "answer": "Tell us",
    "answer_intro": "Your answer goes straight to our credit control team.",
    "paid": "I have paid",
    "paid_help": "We will not send reminders for {days} days while your payment reaches us.",
    "paid_on": "Paid on",
    "paid_amount": "Amount paid",
    "paid_reference": "Your payment reference (optional)",
    "promise": "I will pay on a date",
    "promise_help": "At most {days} days from today.",
    "promise_on": "I will pay on",
    "promise_amount": "Amount",
    "dispute": "There is a problem with an invoice",
    "dispute_invoice": "Which invoice",
    "dispute_reason": "What is wrong",
    "dispute_text": "Tell us more (optional)",
    "request": "Please send me a copy, or change my contact details",
    "request_kind": "What do you need",
    "request_copy": "A copy of invoices",
    "request_contact": "A change of contact details",
    "request_text": "Details",
    "currency": "Currency",
    "send": "Send",
    "thanks_paid": "Thank you. We have noted your payment and will look out for it.",
    "thanks_promise": "Thank you. We have noted that you will pay {amount} by {day}.",
    "thanks_dispute": "Thank you. We have noted the problem with invoice {invoice}; "
    "we will not chase it while we look into it.",
    "thanks_copy": "Thank you. We will send you a copy.",
    "thanks_contact": "Thank you. We will update your contact details.",
    "fix_below": "Please check the form: {problem}",
    "refused_title": "This link no longer opens your account",
    "refused_invalid": "The link is incomplete or was changed: please open it again from the "
    "email we sent you, or copy the whole address.",
    "refused_expired": "For your security, links to your account work for a limited time, and "
    "this one has expired.",
    "refused_revoked": "This link has been withdrawn.",
    "refused_help": "To get a new link, reply to any of our reminders or write to {email}"
    "{phone}. Nothing about your account has changed.",
    "refused_phone": " or call {phone}",
    "too_many": "Too many requests from here in a short time. Please wait a minute and try again.",
    "form_expired": "This form was open too long or was not sent from this page. Nothing was "
    "recorded: please send it again.",
    "lang": "Language",
    "unavailable": "Your account cannot be shown just now. Please try again in a few minutes.",
    "problem_nothing_due": "nothing is due in {currency}.",
    "problem_promise_date": "choose a date from {first} to {last}.",
    "problem_more_than_due": "the amount is more than the {due} due.",
    "problem_below_minimum": "the amount must be at least {least}.",
    "problem_not_an_amount": "write the amount as a number, such as 1250.00.",
    "problem_not_a_date": "give the date as a day of the calendar.",
    "problem_paid_date": "the payment date must be from {first} to {last}.",
    "problem_already_disputed": "we are already looking into that invoice.",
    "problem_not_open": "choose one of the open invoices.",
    "problem_reason": "choose what is wrong.",
    "problem_request": "choose what you need.",
    "problem_text": "write your new contact details.",
}

_DE: dict[str, str] = {
    "title": "Ihr Konto bei {company}",
    "intro": "Konto {customer} · Stand {day}",
    "nothing_due": "Vielen Dank: Auf Ihrem Konto ist heute nichts fällig.",
    "open_invoices": "Offene Rechnungen",
    "invoice": "Rechnung",
    "issued": "Datum",
    "due": "Fällig",
    "days_overdue": "Tage überfällig",
    "not_yet_due": "noch nicht fällig",
    "amount": "Betrag",
    "open": "Offen",
    "disputed": "in Klärung",
    "download": "PDF",
    "download_invoice": "Rechnung {invoice} als PDF herunterladen",
    "charges": "Offene Gebühren und Zinsen",
    "charge_fee": "Mahngebühr",
    "charge_interest": "Verzugszinsen",
    "total_due": "Fällig insgesamt",
    "statement": "Kontoauszug herunterladen (PDF)",
    "statement_title": "Kontoauszug",
    "how_to_pay": "So können Sie zahlen",
    "pay_online": "{amount} online bezahlen",
    "bank_transfer": "Überweisung",
    "account_name": "Kontoinhaber",
    "bank": "Bank",
    "iban": "IBAN",
    "bic": "BIC",
    "sort_code": "Bankleitzahl",
    "account_number": "Kontonummer",
    "reference": "Verwendungszweck",
    "copy": "Kopieren",
    "copied": "Kopiert",
    "contact_us": "Bitte fragen Sie uns, wie Sie in {currency} zahlen können.",
    "answer": "Antworten Sie uns",
    "answer_intro": "Ihre Antwort geht direkt an unsere Buchhaltung.",
    "paid": "Ich habe bezahlt",
    "paid_help": "Wir mahnen {days} Tage lang nicht, bis Ihre Zahlung bei uns eingeht.",
    "paid_on": "Bezahlt am",
    "paid_amount": "Bezahlter Betrag",
    "paid_reference": "Ihr Verwendungszweck (freiwillig)",
    "promise": "Ich zahle an einem Datum",
    "promise_help": "Höchstens {days} Tage ab heute.",
    "promise_on": "Ich zahle am",
    "promise_amount": "Betrag",
    "dispute": "Mit einer Rechnung stimmt etwas nicht",
    "dispute_invoice": "Welche Rechnung",
    "dispute_reason": "Was stimmt nicht",
    "dispute_text": "Weitere Angaben (freiwillig)",
    "request": "Bitte senden Sie mir eine Kopie, oder ändern Sie meine Kontaktdaten",
    "request_kind": "Was brauchen Sie",
    "request_copy": "Eine Kopie der Rechnungen",
    "request_contact": "Geänderte Kontaktdaten",
    "request_text": "Angaben",
    "currency": "Währung",
    "send": "Senden",
    "thanks_paid": "Vielen Dank. Wir haben Ihre Zahlung vermerkt und achten auf den Eingang.",
    "thanks_promise": "Vielen Dank. Wir haben vermerkt, dass Sie {amount} bis {day} zahlen.",
    "thanks_dispute": "Vielen Dank. Wir haben das Problem mit Rechnung {invoice} vermerkt und "
    "mahnen sie nicht, solange wir es klären.",
    "thanks_copy": "Vielen Dank. Wir senden Ihnen eine Kopie.",
    "thanks_contact": "Vielen Dank. Wir ändern Ihre Kontaktdaten.",
    "fix_below": "Bitte prüfen Sie das Formular: {problem}",
    "refused_title": "Dieser Link öffnet Ihr Konto nicht mehr",
    "refused_invalid": "Der Link ist unvollständig oder wurde verändert: Bitte öffnen Sie ihn "
    "erneut aus unserer E-Mail oder kopieren Sie die ganze Adresse.",
    "refused_expired": "Zu Ihrer Sicherheit gelten Links zu Ihrem Konto nur eine begrenzte Zeit; "
    "dieser ist abgelaufen.",
    "refused_revoked": "Dieser Link wurde zurückgezogen.",
    "refused_help": "Einen neuen Link erhalten Sie, wenn Sie auf eine unserer Erinnerungen "
    "antworten oder an {email} schreiben{phone}. An Ihrem Konto hat sich nichts geändert.",
    "refused_phone": " oder {phone} anrufen",
    "too_many": "Zu viele Anfragen in kurzer Zeit. Bitte warten Sie eine Minute.",
    "form_expired": "Das Formular war zu lange offen oder kam nicht von dieser Seite. Es wurde "
    "nichts gespeichert: Bitte senden Sie es erneut.",
    "lang": "Sprache",
    "unavailable": "Ihr Konto kann gerade nicht angezeigt werden. Bitte versuchen Sie es in "
    "einigen Minuten erneut.",
    "problem_nothing_due": "in {currency} ist nichts fällig.",
    "problem_promise_date": "wählen Sie ein Datum vom {first} bis zum {last}.",
    "problem_more_than_due": "der Betrag ist höher als die fälligen {due}.",
    "problem_below_minimum": "der Betrag muss mindestens {least} sein.",
    "problem_not_an_amount": "geben Sie den Betrag als Zahl an, etwa 1250.00.",
    "problem_not_a_date": "geben Sie ein gültiges Datum an.",
    "problem_paid_date": "das Zahlungsdatum muss zwischen {first} und {last} liegen.",
    "problem_already_disputed": "wir klären diese Rechnung bereits.",
    "problem_not_open": "wählen Sie eine der offenen Rechnungen.",
    "problem_reason": "wählen Sie, was nicht stimmt.",
    "problem_request": "wählen Sie, was Sie brauchen.",
    "problem_text": "geben Sie Ihre neuen Kontaktdaten an.",
}

_FR: dict[str, str] = {
    **_EN,
    "title": "Votre compte chez {company}",
    "intro": "Compte {customer} · au {day}",
    "nothing_due": "Merci : rien n'est dû sur votre compte aujourd'hui.",
    "open_invoices": "Factures ouvertes",
    "invoice": "Facture",
    "issued": "Émise le",
    "due": "Échéance",
    "days_overdue": "Jours de retard",
    "not_yet_due": "pas encore échue",
    "amount": "Montant",
    "open": "Reste dû",
    "disputed": "en litige",
    "download_invoice": "Télécharger la facture {invoice} en PDF",
    "charges": "Frais et intérêts dus",
    "charge_fee": "Frais de relance",
    "charge_interest": "Intérêts de retard",
    "total_due": "Total dû",
    "statement": "Télécharger un relevé de compte (PDF)",
    "statement_title": "Relevé de compte",
    "how_to_pay": "Comment payer",
    "pay_online": "Payer {amount} en ligne",
    "bank_transfer": "Virement bancaire",
    "account_name": "Titulaire",
    "bank": "Banque",
    "reference": "Référence de paiement",
    "copy": "Copier",
    "copied": "Copié",
    "answer": "Répondez-nous",
    "paid": "J'ai payé",
    "paid_on": "Payé le",
    "paid_amount": "Montant payé",
    "promise": "Je paierai à une date",
    "promise_on": "Je paierai le",
    "promise_amount": "Montant",
    "dispute": "Il y a un problème avec une facture",
    "request": "Envoyez-moi une copie, ou modifiez mes coordonnées",
    "send": "Envoyer",
    "refused_title": "Ce lien n'ouvre plus votre compte",
}

WORDS: Mapping[str, Mapping[str, str]] = {"en": _EN, "de": _DE, "fr": _FR}

# The reasons a customer can give for a problem with an invoice, in the order shown.
DISPUTE_REASONS = ("not_received", "wrong_amount", "already_paid", "goods_or_service", "other")
_REASONS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "not_received": "We did not receive the goods or the invoice",
        "wrong_amount": "The amount is wrong",
        "already_paid": "It is already paid",
        "goods_or_service": "A problem with the goods or the service",
        "other": "Something else",
    },
    "de": {
        "not_received": "Ware oder Rechnung nicht erhalten",
        "wrong_amount": "Der Betrag stimmt nicht",
        "already_paid": "Sie ist bereits bezahlt",
        "goods_or_service": "Ein Problem mit der Ware oder Leistung",
        "other": "Etwas anderes",
    },
    "fr": {
        "not_received": "Marchandise ou facture non reçue",
        "wrong_amount": "Le montant est erroné",
        "already_paid": "Elle est déjà payée",
        "goods_or_service": "Un problème avec la marchandise ou le service",
        "other": "Autre chose",
    },
}


class Speaker:
    """Writes the portal's words, amounts and dates in one language (and country's way)."""

    def __init__(self, language: str | None, country: str | None = None) -> None:
        wanted = (language or DEFAULT_LANGUAGE).lower()
        self.language = wanted if wanted in WORDS else DEFAULT_LANGUAGE
        # The customer's country picks the way of writing (en_GB: 23 November 2026, £1,200.00).
        self.locale = Locale.parse(DEFAULT_LANGUAGE)
        for name in (f"{wanted}_{country.upper()}" if country else None, wanted):
            if name is None:
                continue
            try:
                self.locale = Locale.parse(name)
                break
            except (UnknownLocaleError, ValueError):
                continue

    def __call__(self, key: str, **values: object) -> str:
        """Return the words of ``key`` with ``values`` filled in."""
        text = WORDS[self.language].get(key) or _EN[key]
        return text.format(**values) if values else text

    def money(self, amount: Decimal, currency: str) -> str:
        """Return ``amount`` in ``currency`` as the customer writes it (``£1,234.50``)."""
        return str(format_currency(amount, currency, locale=self.locale))

    def day(self, value: date) -> str:
        """Return ``value`` as the customer writes a date (``3 December 2026``)."""
        return str(format_date(value, format="long", locale=self.locale))

    def reason(self, key: str) -> str:
        """Return a dispute reason in words."""
        return _REASONS.get(self.language, _REASONS["en"]).get(key, key)

    def reasons(self) -> list[tuple[str, str]]:
        """Return the dispute reasons as (key, words), in order."""
        return [(key, self.reason(key)) for key in DISPUTE_REASONS]
