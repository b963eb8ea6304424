"""Checks, in the database scripts/wheels.sh built, that the addons came from the wheels, complete.

    python check_wheels.py ODOO_CONF DB WHEEL_VENV REPO_ROOT

Run with the wheel venv's python. Checks: both modules installed and loaded from the venv's
site-packages (odoo/addons/<addon>), never from the repository; their views, actions, menus,
report and security data are in the database; the German translation of both (the i18n/de.po of
the wheel) loads; the static files (the Apps icon and description, the tour) and the
migration scripts are there. German is activated and the two addons' translations loaded
(rolled back). Prints what it checked; exit code 1 on any failure.
"""

import os
import sys

ADDONS = ("prepayment_addon", "prepayment_addon_stock")


def main(conf, db, venv, repo):
    import odoo
    from odoo.modules.module import get_module_path
    from odoo.tools.translate import TranslationFileReader

    odoo.tools.config.parse_config(["-c", conf, "--log-level=warn"])
    venv = os.path.realpath(venv)
    repo = os.path.realpath(repo)
    failures = []

    def check(ok, what):
        print(f"[check_wheels] {'ok  ' if ok else 'FAIL'} {what}", file=sys.stderr)
        if not ok:
            failures.append(what)

    check(
        repo not in {os.path.realpath(p) for p in odoo.addons.__path__},
        f"the repository {repo} is not on the addons path",
    )
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        # German, as Settings > Languages installs it, for the two addons only (loading it for
        # every Odoo module would cost a minute); rolled back at the end
        env["res.lang"]._activate_lang("de_DE")
        env["ir.module.module"].search([("name", "in", ADDONS)])._update_translations(["de_DE"])
        for addon in ADDONS:
            path = os.path.realpath(get_module_path(addon) or "")
            check(
                path.startswith(venv + os.sep)
                and path.endswith(os.path.join("", "odoo", "addons", addon)),
                f"{addon} is loaded from the wheel venv ({path})",
            )
            check(not path.startswith(repo + os.sep), f"{addon} is not loaded from the repository")
            module = env["ir.module.module"].search([("name", "=", addon)])
            check(module.state == "installed", f"{addon} is installed (state {module.state})")
            check(
                os.path.isfile(os.path.join(path, "static", "description", "icon.png")),
                f"{addon}: static/description/icon.png",
            )
            # the German translation file of the wheel is loaded
            po = os.path.join(path, "i18n", "de.po")
            check(os.path.isfile(po), f"{addon}: i18n/de.po")
            if os.path.isfile(po):
                with open(po, "rb") as f:
                    entries = [
                        e
                        for e in TranslationFileReader(f, fileformat="po")
                        if e["type"] == "model" and e["name"] == "ir.model,name" and e["value"]
                    ]
                model = env["ir.model"].with_context(lang="de_DE")
                loaded = [
                    e
                    for e in entries
                    if model.env.ref(f"{e['module']}.{e['imd_name']}").name == e["value"]
                ]
                check(
                    entries and len(loaded) == len(entries),
                    f"{addon}: German model names loaded from the wheel's de.po "
                    f"({len(loaded)}/{len(entries)})",
                )

        path = get_module_path("prepayment_addon")
        data = env["ir.model.data"].search([("module", "=", "prepayment_addon")])
        by_model = {}
        for d in data:
            by_model[d.model] = by_model.get(d.model, 0) + 1
        for model, least in (
            ("ir.ui.view", 15),
            ("ir.actions.act_window", 3),
            ("ir.ui.menu", 4),
            ("ir.model.access", 4),
            ("ir.rule", 1),
        ):
            n = by_model.get(model, 0)
            check(n >= least, f"prepayment_addon: {n} {model} records (>= {least})")
        view = env.ref("prepayment_addon.view_order_form_prepayment", raise_if_not_found=False)
        check(
            bool(view) and "prepmt_amount" in (view.arch_db or ""),
            "the order form view of the wheel is in the database",
        )
        reports = env["ir.ui.view"].search([("key", "like", "prepayment_addon.")])
        check(len(reports) >= 1, f"prepayment_addon: {len(reports)} QWeb templates")
        field = (
            env["ir.model.fields"].with_context(lang="de_DE")._get("sale.order", "prepmt_amount")
        )
        label = field.field_description
        check(label == "Vorauszahlungsbetrag", f"sale.order.prepmt_amount in German: {label!r}")
        migrations = os.path.join(path, "migrations")
        check(
            any(f.endswith(".py") for _, _, fs in os.walk(migrations) for f in fs),
            "prepayment_addon: migration scripts",
        )
        tour = os.path.join(path, "static", "tests", "tours", "prepayment_tour.js")
        check(os.path.isfile(tour), "prepayment_addon: static/tests (the tour)")
        check(
            os.path.isfile(os.path.join(path, "static", "description", "index.html")),
            "prepayment_addon: static/description/index.html",
        )
        cr.rollback()
    if failures:
        print(f"[check_wheels] {len(failures)} failure(s)", file=sys.stderr)
        return 1
    print("[check_wheels] the wheels are complete", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
