"""What a person reads of a run: report.html, the summaries behind list, show and compare, and
the MLflow record.
"""

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "page": ["write_report"],
        "summary": ["IdeaSummary", "RunSummary", "load_summary", "short_id"],
        "tracking": ["default_tracking_uri", "log_run", "require_mlflow"],
    },
)

if TYPE_CHECKING:
    from agents.report.page import write_report as write_report
    from agents.report.summary import IdeaSummary as IdeaSummary
    from agents.report.summary import RunSummary as RunSummary
    from agents.report.summary import load_summary as load_summary
    from agents.report.summary import short_id as short_id
    from agents.report.tracking import default_tracking_uri as default_tracking_uri
    from agents.report.tracking import log_run as log_run
    from agents.report.tracking import require_mlflow as require_mlflow
