"""The gettext catalogs on the web side: Jinja helpers, and `flask --app app translate extract|update|compile`.

Code and templates share one catalog per language (translations/<lang>/LC_MESSAGES/messages.po), compiled
to the .mo files that both `office.i18n.t()` and Flask-Babel's `_()` read. The .mo files are committed, so a
deployment that only runs the Procfile serves translated text; a test fails when one is stale.
"""
import os
import subprocess
import sys

import click

from office.i18n import DOMAIN
from office.i18n import TRANSLATIONS_DIR
from office.i18n import page_language
from office.i18n import pick

ROOT = os.path.dirname(os.path.abspath(__file__))
TEMPLATE = os.path.join(TRANSLATIONS_DIR, f"{DOMAIN}.pot")
# Every function that marks a msgid, in Python and in Jinja. t(lang, msgid, **values) has it second; forms
# import lazy_gettext as _l.
KEYWORDS = ("t:2", "N_", "_", "_l", "gettext", "ngettext:1,2", "lazy_gettext")


def pybabel(*args: str) -> None:
    """Run a `pybabel` command from the repository's root, so catalogs name files relative to it."""
    done = subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], cwd=ROOT, check=False)
    if done.returncode:
        raise click.ClickException(f"pybabel {args[0]} failed (see above).")


def extract_template(output: str = TEMPLATE) -> None:
    """Write every msgid of the code and templates (as babel.cfg maps them) to the .pot file `output`."""
    keywords = [f"--keyword={keyword}" for keyword in KEYWORDS]
    # File names without line numbers: catalogs stay unchanged when code merely moves within a file.
    pybabel("extract", "--mapping-file=babel.cfg", "--no-default-keywords", *keywords, "--add-location=file",
            "--add-comments=TRANSLATORS:", "--project=Lekas", f"--output-file={os.path.abspath(output)}", ".")


translate = click.Group("translate", help="Extract, update and compile the translation catalogs.")


@translate.command("extract")
@click.option("--output", default=TEMPLATE, show_default=True, type=click.Path(dir_okay=False),
              help="Where to write the template.")
def extract_command(output):
    """Extract every msgid of the code and templates into a .pot template."""
    extract_template(output)
    click.echo(f"Extracted the msgids into {os.path.relpath(output)}.")


@translate.command("update")
def update_command():
    """Extract, then merge the new and changed msgids into every language's .po file."""
    extract_template()
    # A fuzzy entry keeps its previous msgid for the translator; a .po changes only when its messages do.
    pybabel("update", f"--input-file={TEMPLATE}", f"--output-dir={TRANSLATIONS_DIR}", f"--domain={DOMAIN}",
            "--previous", "--ignore-pot-creation-date")
    click.echo("Updated the .po files: translate what is new or marked fuzzy, then run `translate compile`.")


@translate.command("compile")
def compile_command():
    """Compile every language's .po file into the .mo file the app reads."""
    pybabel("compile", f"--directory={TRANSLATIONS_DIR}", f"--domain={DOMAIN}", "--statistics")
    click.echo("Compiled the .mo files: commit them with their .po files.")


def init_app(app) -> None:
    """Register the `translate` commands and the helpers templates use for the page's language."""
    app.cli.add_command(translate)
    app.jinja_env.globals.update(page_language=page_language, pick=pick)
