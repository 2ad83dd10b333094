"""The report's sections, one module each: ``ID``, ``TITLE`` and ``section(ctx) -> str``.

``ctx`` is the read-only :class:`alsmeta.report.inputs.ReportInputs`; a section writes its
own prose from the tables in it and computes no result.
"""
