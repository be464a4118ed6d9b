"""Experiments: the baseline, the coder's edits, the runs over seeds (a line or a tree
search), their statistics and plots.
"""

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["agent", "plotting"],
    submod_attrs={
        "baseline": ["run_baseline"],
        "lab": ["Experimenter", "Lab"],
        "grading": ["NO_GRADER_WARNING"],
        "notes": ["legend_labels", "notes_markdown"],
        "plotting": ["Plotter"],
        "statistics": ["scipy_special"],
        "variants": ["COPY_IGNORE"],
    },
)

if TYPE_CHECKING:
    from agents.experiment import agent as agent
    from agents.experiment import plotting as plotting
    from agents.experiment.baseline import run_baseline as run_baseline
    from agents.experiment.grading import NO_GRADER_WARNING as NO_GRADER_WARNING
    from agents.experiment.lab import Experimenter as Experimenter
    from agents.experiment.lab import Lab as Lab
    from agents.experiment.notes import legend_labels as legend_labels
    from agents.experiment.notes import notes_markdown as notes_markdown
    from agents.experiment.plotting import Plotter as Plotter
    from agents.experiment.statistics import scipy_special as scipy_special
    from agents.experiment.variants import COPY_IGNORE as COPY_IGNORE
