"""``python manage.py sentence_dates [FILE]``: the sentence-dates engine for other tools.

JSON in (one object, or an array of objects), JSON out (the same shape), on standard output.
The fields of an input object are those of ``engine.FIELDS`` (``sentences``, ``committal_date``,
the remand and reduction days, ``safety_period``, ``birth_date``, the exclusion flags and
``legal_recidivist``), checked strictly by ``engine.parse``.
On bad input: a French message naming the field (and the index inside an array) on standard
error, nothing on standard output, exit status 2. See docs/sentence-dates.md.
"""

import json
import sys

from django.core.management.base import BaseCommand

from probatio.sentences.engine import InputError, compute, parse, to_json


class Command(BaseCommand):
    help = "Calcule les dates d'une peine (JSON en entrée, JSON en sortie)."
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="fichier JSON (entrée standard sinon)")

    def fail(self, message: str):
        """The contract: a French message on standard error, nothing on standard output,
        exit status 2."""
        self.stderr.write(message)
        raise SystemExit(2)

    def load(self, text: str):
        """The JSON document, or the contract's French message on malformed JSON."""
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            if not text.strip():
                self.fail("JSON illisible : l'entrée est vide.")
            self.fail(
                f"JSON illisible : erreur de syntaxe ligne {exc.lineno}, colonne {exc.colno}."
            )
        except RecursionError:
            self.fail("JSON illisible : le document est trop profondément imbriqué.")
        except ValueError:  # e.g. an integer beyond Python's digit limit
            self.fail("JSON illisible : un nombre est trop long.")

    def handle(self, *args, **options):
        try:
            if options["file"]:
                with open(options["file"], encoding="utf-8") as source:
                    text = source.read()
            else:
                text = sys.stdin.read()
        except UnicodeDecodeError:
            self.fail("Entrée illisible : le fichier doit être encodé en UTF-8.")
        except FileNotFoundError:
            self.fail(f"Fichier introuvable : {options['file']}.")
        except IsADirectoryError:
            self.fail(f"Fichier illisible : {options['file']} est un dossier.")
        except PermissionError:
            self.fail(f"Fichier illisible : accès refusé à {options['file']}.")
        except OSError:
            self.fail(f"Fichier illisible : {options['file']}.")
        payload = self.load(text)
        many = isinstance(payload, list)
        results = []
        for index, item in enumerate(payload if many else [payload]):
            try:
                results.append(to_json(compute(parse(item))))
            except InputError as exc:
                where = f"[{index}] " if many else ""
                self.fail(f"Entrée invalide : {where}{exc}")
        self.stdout.write(json.dumps(results if many else results[0], ensure_ascii=False))
