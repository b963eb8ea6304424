"""The shipped translations: complete, and what a German or French user sees.

``scripts/check_translations.py`` lists what is missing (after a ``--update`` when the .pot
files grew); the first test fails with that same list.
"""

import os
import re
import sys

from odoo.exceptions import UserError
from odoo.tests import TransactionCase

from .common import SalePrepaymentCase

sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts")
)
import check_translations  # noqa: E402


class TestTranslationFiles(TransactionCase):
    """Every .po of both addons translates every msgid of its .pot, placeholders kept."""

    test_tags = {"standard", "at_install", "prepayment_addon"}
    test_module = "prepayment_addon"

    def test_every_msgid_translated_with_its_placeholders(self):
        report = []
        for addon in check_translations.ADDONS:
            for lang in check_translations.LANGS:
                pot, po = check_translations.paths(addon, lang)
                self.assertTrue(os.path.isfile(po), f"{addon} ships no {lang}.po")
                res = check_translations.check(addon, lang)
                report += [f"{addon} {lang}: untranslated {m!r}" for m in res["untranslated"]]
                report += [
                    f"{addon} {lang}: {m!r} -> {s!r}: {why}" for m, s, why in res["placeholders"]
                ]
        self.assertFalse(
            report,
            "translations to complete (python3 scripts/check_translations.py "
            "--update, then translate the empty msgstr):\n" + "\n".join(report),
        )

    def test_po_headers(self):
        import polib

        for addon in check_translations.ADDONS:
            for lang, (_team, plural) in check_translations.LANGS.items():
                po = polib.pofile(check_translations.paths(addon, lang)[1])
                self.assertEqual(po.metadata.get("Language"), lang)
                self.assertEqual(po.metadata.get("Plural-Forms"), plural)
                self.assertEqual(po.metadata.get("Content-Type"), "text/plain; charset=UTF-8")


class TestTranslatedOrder(SalePrepaymentCase):
    """German and French installed the way Settings > Languages does: the order form's
    prepayment labels and a guard's message come out in the user's language."""

    test_tags = {"standard", "post_install", "-at_install", "prepayment_addon"}
    test_module = "prepayment_addon"

    LABELS = {
        # lang: {field: label}, sales order fields and the order form's Prepayment tab
        "de_DE": {
            "prepmt_percent": "Vorauszahlung %",
            "prepmt_amount": "Vorauszahlungsbetrag",
            "prepmt_amount_invoiced": "Vorauszahlung abgerechnet",
            "prepmt_state": "Vorauszahlungsstatus",
        },
        "fr_FR": {
            "prepmt_percent": "% d'acompte",
            "prepmt_amount": "Montant de l'acompte",
            "prepmt_amount_invoiced": "Acompte facturé",
            "prepmt_state": "Statut de l'acompte",
        },
    }
    STATE = {"de_DE": "Wartet auf Vorauszahlung", "fr_FR": "En attente de l'acompte"}
    FORM = {
        "de_DE": (
            'string="Vorauszahlung"',
            'string="Vorauszahlungsrechnung"',
            'string="Vorauszahlungsgutschrift"',
            'string="Abgezogen"',
        ),
        "fr_FR": (
            'string="Acompte"',
            'string="Facture d\'acompte"',
            'string="Avoir d\'acompte"',
            'string="Déduit"',
        ),
    }
    GUARD = {
        "de_DE": r"^Zeile .* von {order} hat eine abgerechnete Vorauszahlung von "
        r".*300[.,]00.* die nicht "
        r"abgezogen wurde: buchen Sie zuerst eine Vorauszahlungsgutschrift \(Schaltfläche "
        r"Vorauszahlungsgutschrift, nur diese Zeile ausgewählt, um sie allein gutzuschreiben\) "
        r"und löschen Sie dann die Zeile\.$",
        "fr_FR": r"^La ligne .* de {order} a un acompte facturé de .*300[.,]00.* qui n'a pas été "
        r"déduit : comptabilisez d'abord un avoir d'acompte \(bouton Avoir d'acompte, avec "
        r"cette seule ligne choisie pour la créditer seule\), puis supprimez la ligne\.$",
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for lang in cls.LABELS:
            cls.env["res.lang"]._activate_lang(lang)
        cls.env["ir.module.module"].search(
            [
                ("name", "in", ("prepayment_addon", "prepayment_addon_stock")),
                ("state", "=", "installed"),
            ]
        )._update_translations(list(cls.LABELS), overwrite=True)

    def test_order_form_labels(self):
        for lang, labels in self.LABELS.items():
            with self.subTest(lang=lang):
                Order = self.env["sale.order"].with_context(lang=lang)
                desc = Order.fields_get(list(labels), ["string", "selection"])
                self.assertEqual({f: d["string"] for f, d in desc.items()}, labels)
                self.assertEqual(
                    dict(desc["prepmt_state"]["selection"])["waiting_payment"], self.STATE[lang]
                )
                arch = Order.get_views([(False, "form")])["views"]["form"]["arch"]
                for label in self.FORM[lang]:
                    self.assertIn(label, arch)
                self.assertNotIn('string="Prepayment Credit Memo"', arch)
        # English stays English
        self.assertEqual(
            self.env["sale.order"]
            .with_context(lang="en_US")
            .fields_get(["prepmt_amount"], ["string"])["prepmt_amount"]["string"],
            "Prepayment Amount",
        )

    def test_guard_message(self):
        # the guard of tests/test_guards.py (delete a line whose prepayment is invoiced)
        self.company.prepmt_allow_quotation = True
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 10, "price": 100.0},
                {"product": self.product_b, "qty": 2, "price": 50.0},
            ],
            percent=30,
        )
        order.action_create_prepmt_invoice()
        for lang, regex in self.GUARD.items():
            with self.subTest(lang=lang):
                with self.assertRefused(UserError, regex.format(order=re.escape(order.name))):
                    order.order_line[0].with_context(lang=lang).unlink()
        with self.assertRefused(
            UserError,
            r"post a prepayment credit memo first \(the Prepayment Credit Memo button, with only "
            r"this line chosen to credit it alone\), then "
            r"delete the line",
        ):
            order.order_line[0].with_context(lang="en_US").unlink()

    def test_locked_field_named_in_the_users_language(self):
        # the guard names the locked field by its label in the user's language (Odoo's Sales
        # translation of the product field), not by its English string
        self.env["ir.module.module"].search([("name", "=", "sale")])._update_translations(["de_DE"])
        label = (
            self.env["sale.order.line"]
            .with_context(lang="de_DE")
            .fields_get(["product_id"], ["string"])["product_id"]["string"]
        )
        self.assertNotEqual(label, "Product")
        order = self.new_order(percent=30)
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        with self.assertRefused(
            UserError,
            r"^Die Vorauszahlung der Zeile .* ist abgerechnet: Änderungen an "
            r"%s sind nicht möglich\. Buchen Sie zuerst" % re.escape(label),
        ):
            order.order_line[0].with_context(lang="de_DE").write({"product_id": self.product_b.id})
