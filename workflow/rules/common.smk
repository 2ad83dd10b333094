import sys

from alsmeta.config import check_config
from alsmeta.errors import InputError
from alsmeta.select import check_criteria
from alsmeta.tables import TABLES, load_dataset, load_schema

SCHEMA_DIR = "workflow/schemas"
PACKAGE_DIR = "workflow/alsmeta"
ENV = "../envs/alsmeta.yaml"


# Bad input stops the run here, before any job starts and before results/ is touched,
# with one line that names the file, line and column (or the config key).
try:
    check_config(config, load_schema(f"{SCHEMA_DIR}/config.schema.yaml"))
    check_criteria(config["criteria"], load_dataset(config["data"], SCHEMA_DIR))
except InputError as error:
    sys.stderr.write(f"Input error: {error}\n")
    sys.exit(1)


OUTCOMES = config["criteria"]["outcomes"]


wildcard_constraints:
    outcome="|".join(OUTCOMES),


def data_tables():
    """The extracted tables as named inputs, so scripts find them by table name."""
    return {table: config["data"][table] for table in TABLES}


def table_schemas():
    return [f"{SCHEMA_DIR}/{table}.schema.yaml" for table in TABLES]


def package_code(*modules):
    """Package modules a rule's script imports: listed as inputs so that editing them re-runs the rule."""
    return [f"{PACKAGE_DIR}/{m}.py" for m in ("errors", "runner", "tsv", *modules)]
