"""Meta-analysis of mesenchymal stromal cell (MSC) therapy trials in ALS.

The package holds every piece of logic the Snakemake workflow runs: reading and
validating the extracted tables, harmonizing reported statistics into effect sizes,
applying the inclusion criteria, random-effects pooling, forest plots and the report.
The workflow scripts and the tests are its two clients.
"""

__version__ = "0.1.0"
