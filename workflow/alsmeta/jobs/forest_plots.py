"""Job forest_plots (one per outcome with a study): its forest plot and one per subgroup
variable, from its selection and analysis."""

from alsmeta.figures.outcome import Bayes, Settings, write_forests
from alsmeta.io import risk_of_bias as rob
from alsmeta.io.files import read_json
from alsmeta.io.tables import read_named_table
from alsmeta.jobs import by_format


def main(job):
    rows = read_json(job.input.selection)["analysed"]
    analysis = read_json(job.input.analysis)
    weights = {
        w["effect_id"]: w["weight_pct"]
        for w in analysis["weights"]
        if w["subgroup_variable"] == "overall"
    }
    efficacy = read_named_table(job.input.efficacy, job.input.efficacy_schema, "efficacy")
    subgroups = job.params.subgroups
    settings = job.params.risk_of_bias
    assessed = rob.assessments(
        read_named_table(job.input.risk_of_bias, job.input.risk_of_bias_schema, "risk_of_bias"),
        settings,
    )
    judged = {
        r["study_id"]: j
        for r in rows
        if (j := rob.judgement_for(assessed, r["study_id"], job.wildcards.outcome, settings))
    }
    bayes = Bayes(
        show_shrinkage=job.params.show_shrinkage,
        framework=job.params.primary_framework,
        max_k=job.params.bayesian_headline_max_k,
        shrinkage={
            r["effect_id"]: r
            for r in analysis["bayes_shrinkage"]
            if r["subgroup_variable"] == "overall"
        },
    )
    write_forests(
        job.params.definition,
        Settings(job.params.ci_level, job.params.level, **job.params.forest),
        rows,
        analysis["pooled"],
        weights,
        efficacy,
        {
            "forest": by_format(job.output.forest),
            "subgroups": {
                v: by_format(p for p in job.output.subgroups if f"_by_{v}." in p) for v in subgroups
            },
        },
        max_rows=job.params.max_rows,
        summary_by=subgroups[0] if subgroups else None,
        rob=judged,
        bayes=bayes,
    )
    job.log.info("%s: %d studies", job.wildcards.outcome, len(rows))
