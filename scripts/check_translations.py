#!/usr/bin/env python3
"""Checks the translations of both addons against their templates, and lists what is missing.

    python3 scripts/check_translations.py            # report; exit 1 if missing or wrong
    python3 scripts/check_translations.py --update   # first merge each .pot into its .po files
    python3 scripts/check_translations.py --lang de  # one language only

For each addon (prepayment_addon, prepayment_addon_stock) and each shipped language (de, fr,
es, nl), ``i18n/<lang>.po`` must translate every msgid of ``i18n/<addon>.pot``:

* untranslated: a msgid of the .pot that the .po lacks, or has with a fuzzy msgstr or an empty
  one; an empty msgstr is right only for the msgids of SAME_AS_SOURCE (the word is the same in
  that language, and OCA's po-pretty-format hook empties a msgstr equal to its msgid: Odoo then
  shows the source, which is the translation);
* placeholders: the msgstr must keep the msgid's ``%(name)s`` / ``%s`` / ``%%`` and HTML tags
  exactly (same multiset), and a message of the Python code (``odoo-python``) must survive
  ``msgstr % values`` (a lone ``%`` would break the message at run time);
* obsolete: msgids of the .po that the .pot no longer has (harmless, listed for cleanup).

After new strings were added to the code and the .pot regenerated, ``--update`` adds them to
every .po with an empty msgstr (and refreshes the references, drops what the .pot no longer
has, keeps every existing translation, sorts and wraps as OCA's po-pretty-format does);
translate the entries this script then lists as untranslated (``msgstr ""``; a word that stays
the same goes into SAME_AS_SOURCE), and run it again. Needs polib (an Odoo 18 dependency: run
it with the Python that imports Odoo, or .venv/bin/python).
"""

import argparse
import os
import re
import sys

try:
    import polib
except ImportError:  # pragma: no cover
    sys.exit(
        "polib is missing: run this with the Python that imports Odoo (e.g. /usr/bin/python3 "
        "or .venv/bin/python), or pip install polib"
    )

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDONS = ("prepayment_addon", "prepayment_addon_stock")
LANGS = {
    # code: (Language-Team, Plural-Forms)
    "de": ("German", "nplurals=2; plural=(n != 1);"),
    "fr": ("French", "nplurals=2; plural=(n > 1);"),
    "es": ("Spanish", "nplurals=2; plural=(n != 1);"),
    "nl": ("Dutch", "nplurals=2; plural=(n != 1);"),
}
# msgids whose translation is the source itself, per language (their msgstr may be empty)
SAME_AS_SOURCE = {
    "de": {"ID", "Journal", "SO123", "Status", "Transfer"},
    "fr": {"Contact", "Documents", "ID", "Journal", "Messages", "SO123", "Total", "Type"},
    "es": {"Error", "ID", "SO123", "Total"},
    "nl": {"Batch", "Contact", "ID", "Order", "Orders", "Product", "SO123", "Status"},
}
# a message made only of placeholders reads the same in every language
for _same in SAME_AS_SOURCE.values():
    _same.update({"%(label)s (%(documents)s)", "%(order)s: %(reason)s"})
PLACEHOLDER = re.compile(r"%%|%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdifr]")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def placeholders(text):
    return sorted(PLACEHOLDER.findall(text))


def tags(text):
    return sorted(TAG.findall(text))


def is_code(entry):
    return any(path.startswith("code:") for path, _ in entry.occurrences) or "odoo-python" in (
        entry.comment or ""
    )


def format_error(entry):
    """The error Python raises when the code formats the translated message, if any."""
    names = re.findall(r"%\((\w+)\)", entry.msgid)
    try:
        if names:
            entry.msgstr % dict.fromkeys(names, "X")  # noqa: B018 (the formatting is the check)
        elif placeholders(entry.msgid) and set(placeholders(entry.msgid)) != {"%%"}:
            entry.msgstr % tuple("X" for p in placeholders(entry.msgid) if p != "%%")  # noqa: B018
        else:
            return None
    except (ValueError, TypeError, KeyError) as e:
        return str(e)
    return None


def paths(addon, lang):
    i18n = os.path.join(ROOT, addon, "i18n")
    return os.path.join(i18n, f"{addon}.pot"), os.path.join(i18n, f"{lang}.po")


def check(addon, lang):
    """Problems of one .po: {"untranslated": [msgid], "placeholders": [(msgid, msgstr, why)],
    "obsolete": [msgid]}."""
    pot_path, po_path = paths(addon, lang)
    pot = polib.pofile(pot_path)
    po = polib.pofile(po_path) if os.path.exists(po_path) else polib.POFile()
    by_id = {(e.msgctxt, e.msgid): e for e in po if not e.obsolete}
    result = {"untranslated": [], "placeholders": [], "obsolete": []}
    for tmpl in pot:
        entry = by_id.get((tmpl.msgctxt, tmpl.msgid))
        if entry is not None and not entry.msgstr and tmpl.msgid in SAME_AS_SOURCE.get(lang, ()):
            continue
        if entry is None or not entry.msgstr.strip() or "fuzzy" in entry.flags:
            result["untranslated"].append(tmpl.msgid)
            continue
        why = []
        if placeholders(entry.msgstr) != placeholders(entry.msgid):
            why.append(f"placeholders {placeholders(entry.msgid)} != {placeholders(entry.msgstr)}")
        if tags(entry.msgstr) != tags(entry.msgid):
            why.append(f"tags {tags(entry.msgid)} != {tags(entry.msgstr)}")
        if is_code(tmpl) and (error := format_error(entry)):
            why.append(f"formatting fails: {error}")
        if why:
            result["placeholders"].append((entry.msgid, entry.msgstr, "; ".join(why)))
    pot_ids = {(e.msgctxt, e.msgid) for e in pot}
    result["obsolete"] = [
        e.msgid for e in po if not e.obsolete and (e.msgctxt, e.msgid) not in pot_ids
    ]
    return result


def update(addon, lang):
    """Merge the .pot into the .po: new msgids with an empty msgstr, references and comments
    from the .pot, msgids the .pot no longer has dropped, translations kept."""
    pot_path, po_path = paths(addon, lang)
    pot = polib.pofile(pot_path)
    old = polib.pofile(po_path) if os.path.exists(po_path) else polib.POFile()
    kept = {(e.msgctxt, e.msgid): e for e in old if not e.obsolete}
    po = polib.POFile(wrapwidth=78)
    po.header = pot.header
    metadata = dict(pot.metadata)
    metadata.update(old.metadata)
    team, plural = LANGS[lang]
    metadata.update(
        {
            "POT-Creation-Date": pot.metadata.get("POT-Creation-Date", ""),
            "Language-Team": metadata.get("Language-Team") or team,
            "Language": lang,
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
            "Plural-Forms": plural,
        }
    )
    po.metadata = metadata
    added = 0
    for tmpl in sorted(pot, key=lambda e: e.msgid):
        prev = kept.get((tmpl.msgctxt, tmpl.msgid))
        added += prev is None
        msgstr = prev.msgstr if prev else ""
        po.append(
            polib.POEntry(
                msgctxt=tmpl.msgctxt,
                msgid=tmpl.msgid,
                msgstr="" if msgstr == tmpl.msgid else msgstr,
                occurrences=tmpl.occurrences,
                comment=tmpl.comment,
                tcomment=prev.tcomment if prev else tmpl.tcomment,
                flags=[f for f in (prev.flags if prev else tmpl.flags) if f != "fuzzy"]
                + (["fuzzy"] if prev and "fuzzy" in prev.flags else []),
            )
        )
    po.save(po_path)
    dropped = len(kept) - (len(pot) - added)
    return added, dropped


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--update", action="store_true", help="merge each .pot into its .po files first"
    )
    parser.add_argument(
        "--lang", action="append", choices=sorted(LANGS), help="only this language (repeatable)"
    )
    args = parser.parse_args(argv)
    langs = args.lang or list(LANGS)
    bad = False
    for addon in ADDONS:
        for lang in langs:
            if args.update:
                added, dropped = update(addon, lang)
                print(f"{addon}/i18n/{lang}.po: merged the .pot ({added} new, {dropped} dropped)")
            res = check(addon, lang)
            n = len(polib.pofile(paths(addon, lang)[0]))
            status = (
                "complete" if not res["untranslated"] and not res["placeholders"] else "INCOMPLETE"
            )
            print(
                f"{addon}/i18n/{lang}.po: {n - len(res['untranslated'])}/{n} translated, "
                f"{len(res['placeholders'])} placeholder problem(s), {len(res['obsolete'])} "
                f"obsolete: {status}"
            )
            for msgid in res["untranslated"]:
                print(f"  untranslated: {msgid!r}")
            for msgid, msgstr, why in res["placeholders"]:
                print(f"  placeholders: {msgid!r} -> {msgstr!r}: {why}")
            for msgid in res["obsolete"]:
                print(f"  obsolete (not in the .pot): {msgid!r}")
            bad = bad or status != "complete"
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
