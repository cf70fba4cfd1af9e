"""Report numbers, counted in SQL within the viewer's scope.

Every query here filters people through `lms.org.scope` and aggregates in the database
(GROUP BY, COUNT, CASE), so a page costs the same few queries whatever the number of
officers. Nothing here reads the request: callers pass the viewer, filters and today's date.

Definitions used everywhere (pages, exports and the command line):
- the people reported on are accounts with the officer role;
- an enrolment's status is exactly one of: complete, overdue, in progress, not started,
  as defined in lms.learning.status (the same rule as the officer's own pages);
- an officer's final score is that of their completion of the latest course version;
  their pre-test score is that of their first pre-test attempt, once submitted;
- knowledge gain is the average final score minus the average pre-test score, over the
  officers who have both.

One module per report, each with its own queries: `base` (the building blocks every report
shares), `dashboard`, `register`, `summary`, `record` (one officer's training record),
`progress`, `questions` (question analysis) and `case_files`. The names callers use are
gathered here.
"""

from lms.learning.status import COMPLETE, IN_PROGRESS, NOT_STARTED, OVERDUE, STATUSES
from lms.reports.queries.base import course_titles, institutions_in_scope
from lms.reports.queries.case_files import CaseFileRatings, case_file_ratings
from lms.reports.queries.dashboard import Dashboard, dashboard
from lms.reports.queries.progress import cohorts_in_scope, progress_page
from lms.reports.queries.questions import MIN_ANSWERS_FOR_FLAG, QuestionAnalysis, question_analysis
from lms.reports.queries.record import TrainingRecord, training_record
from lms.reports.queries.register import (
    RegisterFilter,
    RegisterRow,
    register_count,
    register_page,
    register_rows,
)
from lms.reports.queries.summary import Summary, donor_summary

__all__ = [
    "COMPLETE", "IN_PROGRESS", "MIN_ANSWERS_FOR_FLAG", "NOT_STARTED", "OVERDUE", "STATUSES",
    "CaseFileRatings", "Dashboard", "QuestionAnalysis", "RegisterFilter", "RegisterRow", "Summary",
    "TrainingRecord", "case_file_ratings", "cohorts_in_scope", "course_titles", "dashboard",
    "donor_summary", "institutions_in_scope", "progress_page", "question_analysis", "register_count",
    "register_page", "register_rows", "training_record",
]
