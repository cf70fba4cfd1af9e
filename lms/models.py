"""Import every feature's models, so the metadata is complete wherever it is used."""

from lms.auth.models import SignInThrottle  # noqa: F401
from lms.authoring.models import (  # noqa: F401
    CourseAuthor,
    CourseDraft,
    CourseEditor,
    DraftRevision,
)
from lms.catalog.models import (  # noqa: F401
    Course,
    CourseContent,
    CourseMedia,
    CourseVersion,
    LessonPage,
)
from lms.catalog.sources import ContentBlob  # noqa: F401
from lms.certificates.models import Certificate  # noqa: F401
from lms.learning.models import (  # noqa: F401
    CourseCompletion,
    Enrolment,
    ModuleProgress,
    ProgressEvent,
)
from lms.org.models import AuditEvent, Cohort, Country, Institution, User  # noqa: F401
from lms.quizzes.models import AttemptAnswer, AttemptText, QuizAttempt  # noqa: F401
from lms.scenarios.models import ClassroomSession, ScenarioRun  # noqa: F401
from lms.translation.models import GlossaryTerm, TranslationMark  # noqa: F401
