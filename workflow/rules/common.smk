import sys

from alsmeta.io.code_inputs import code_inputs
from alsmeta.io.config import check_config
from alsmeta.io.errors import InputError
from alsmeta.selection.criteria import check_criteria
from alsmeta.io.tables import TABLES, load_dataset, load_schema

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


def package_code(script):
    """Every package module the rule's script imports, transitively: inputs, so that editing
    one re-runs exactly the rules that run it."""
    return code_inputs(f"workflow/scripts/{script}.py", PACKAGE_DIR)
