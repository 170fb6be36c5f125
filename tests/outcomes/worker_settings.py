"""Settings for Celery processes that outcome worker tests start.

The test settings, plus a task queue named by OUTCOMES_TEST_QUEUE, so that a
worker and beat of this test run never exchange tasks with other runs on a
shared broker (the file-system broker's folder is shared by every checkout).
"""

import os

from gooru_lti.test_settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["OUTCOMES_TEST_QUEUE"]
