"""Experiment templates: finding, checking and loading one, and what its runs need.
"""

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "check": ["check_template"],
        "describe": ["template_context"],
        "grader": [
            "EXPERIMENT", "GraderSpec", "edit_problem", "grader_print", "grader_summary",
            "restore_layout",
        ],
        "metric_choice": ["MetricUndecided"],
        "packages": [
            "fix_requirements", "missing_imports", "read_requirements", "require_template_image",
        ],
        "readiness": ["check_readiness", "code_findings"],
        "template": [
            "PrimaryMetric", "Template", "available_templates", "load_template", "templates_dir",
        ],
    },
)

if TYPE_CHECKING:
    from agents.templates.check import check_template as check_template
    from agents.templates.describe import template_context as template_context
    from agents.templates.grader import (
        EXPERIMENT as EXPERIMENT,
        GraderSpec as GraderSpec,
        edit_problem as edit_problem,
        grader_print as grader_print,
        grader_summary as grader_summary,
        restore_layout as restore_layout,
    )
    from agents.templates.metric_choice import MetricUndecided as MetricUndecided
    from agents.templates.packages import (
        fix_requirements as fix_requirements,
        missing_imports as missing_imports,
        read_requirements as read_requirements,
        require_template_image as require_template_image,
    )
    from agents.templates.readiness import (
        check_readiness as check_readiness,
        code_findings as code_findings,
    )
    from agents.templates.template import (
        PrimaryMetric as PrimaryMetric,
        Template as Template,
        available_templates as available_templates,
        load_template as load_template,
        templates_dir as templates_dir,
    )
