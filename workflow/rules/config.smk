import sys
from pathlib import Path

# Jobs run in this process (alsmeta.jobs) and import the package from this workflow's own
# workflow/ folder, the files that are the rules' code inputs, whatever else is installed.
sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))

from alsmeta.io.config_file import load_config_file
from alsmeta.io.errors import InputError

# Every config file is read strictly before Snakemake merges it (see alsmeta.io.config_file):
# a duplicated key, a YAML tag, NaN or inf, a syntax error or an empty file is one line with
# the file and line. (A --configfile that is not YAML at all is refused by Snakemake itself,
# before this file is read; `python -m alsmeta.io.config_file FILE` names its file and line.)
try:
    for config_path in ["config/config.yaml", *workflow.overwrite_configfiles]:
        if Path(config_path).exists() or not workflow.overwrite_configfiles:
            load_config_file(config_path)
except InputError as error:
    sys.stderr.write(f"Input error: {error}\n")
    sys.exit(1)
