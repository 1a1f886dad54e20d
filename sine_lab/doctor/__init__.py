"""A training-setup doctor: catch the traps that make a model silently learn the mean.

PyTorch accepts many setups that cannot train as intended and at most prints a
warning: a prediction that broadcasts against its target, a 2-D input that a
recurrent layer reads as one unbatched sequence, ``out[-1]`` on the batch axis, a
time index fed where past values belong, unscaled data, a stacked layer read at its
bottom, a hidden state carried from one batch into the next. :func:`check_setup`
runs a few forward passes on the model in eval mode and on copies of it (and, when
asked, a short training probe on a copy); nothing in the model changes. It returns
a :class:`Report`: a list of :class:`Finding`, each with a stable ``code``, a
``severity``, a plain-language ``message``, the ``evidence`` (shapes, values) and
the ``fix``. A setup that will train as intended yields no
``"error"`` or ``"warning"``. Displayed in a notebook (or printed) the report reads
as text.

Every finding comes from a :class:`Check` in :data:`CHECKS`, which declares its code,
severity and meaning once (:data:`CODES` is derived from them). A new check is one
function under the :func:`check` decorator. The modules: ``report`` (Finding, Report),
``registry`` (check, CHECKS, CODES, check_setup), ``context`` (what the checks read:
the setup, traced once), ``checks`` (the checks themselves), ``cli`` (the command line).

From a shell: ``python -m sine_lab.doctor path/to/file.py:function`` imports a
function returning ``(model, x, y)`` or ``(model, x, y, loss_fn)`` and prints the
report; the exit status is 1 when it holds an error, 0 otherwise, and 2 (with a
one-line message) when the path, the function or its return value is wrong.
"""

from .checks import CONSTANT_SPREAD, INPUT_LIMIT, SCALE_LIMIT, TARGET_LIMIT, TARGET_NOTE_LIMIT
from .cli import main
from .registry import CHECKS, CODES, Check, Issue, check, check_setup
from .report import SEVERITIES, Finding, Report

__all__ = ["CHECKS", "CODES", "SEVERITIES", "SCALE_LIMIT", "INPUT_LIMIT", "TARGET_NOTE_LIMIT", "TARGET_LIMIT",
           "CONSTANT_SPREAD", "Check", "Issue", "Finding", "Report", "check", "check_setup", "main"]
