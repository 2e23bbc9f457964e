#!/bin/sh
# Bring the Dutch catalogs in step with the code: pybabel extracts every message id (babel.cfg says
# from where), then updates each .po: new ids arrive empty (to translate), ids no longer used are
# dropped, the rest keep their Dutch. tests/test_catalogs.py then names what is left to translate.
#
#   scripts/update_catalogs.sh            (PYBABEL=/path/to/pybabel to use another)
set -eu
cd "$(dirname "$0")/.."
pybabel=${PYBABEL:-.venv/bin/pybabel}
mkdir -p var/catalogs

# The chat: bot/texts.py's TEXTS, the template key as msgctxt.
"$pybabel" extract -F babel.cfg --no-default-keywords -k pgettext:1c,2 --no-location --sort-output \
    --project piket -o var/catalogs/piket.pot bot/texts.py
"$pybabel" update -i var/catalogs/piket.pot -D piket -d bot/locale -l nl \
    --no-fuzzy-matching --ignore-obsolete -w 100

# Everything else a person reads: templates, the web's Python, the services' refusals (the message
# of Refused / ServiceError, the second argument of NotFound), the profile file's rules (ProfileError and
# the second argument of fail), the team list's (ImportRefused, _Bad) and the core's reasons.
"$pybabel" extract -F babel.cfg -k N_ -k Refused -k ServiceError -k NotFound:2 -k ProfileError -k fail:2 \
    -k ImportRefused -k _Bad --no-location --sort-output --project piket -o var/catalogs/web.pot backend scheduling
"$pybabel" update -i var/catalogs/web.pot -D web -d backend/web/locale -l nl \
    --no-fuzzy-matching --ignore-obsolete -w 100
