"""Which job each start operation queues: its `jobType`, its `parameters` member and its result model."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class JobKind:
    """A kind of DQOps job: its `jobType`, the member of `parameters` holding its parameters, and the result model it
    answers with (None: no result)."""

    job_type: str
    member: str  # key under DqoJobHistoryEntryModel.parameters
    result: str | None  # result model: run_checks | statistics | error_samples | import_tables | delete_data
    stored_result_key: str | None = None  # where a finished job keeps its summary inside its parameters


RUN_CHECKS = JobKind("run_checks", "runChecksParameters", "run_checks", "run_checks_result")
COLLECT_STATISTICS = JobKind(
    "collect_statistics", "collectStatisticsParameters", "statistics", "collect_statistics_result"
)
COLLECT_ERROR_SAMPLES = JobKind(
    "collect_error_samples", "collectErrorSamplesParameters", "error_samples", "error_sampler_result"
)
IMPORT_TABLES = JobKind("import_tables", "importTableParameters", "import_tables")
DELETE_STORED_DATA = JobKind("delete_stored_data", "deleteStoredDataParameters", "delete_data")
SYNCHRONIZE_FOLDERS = JobKind("synchronize_multiple_folders", "synchronizeMultipleFoldersParameters", None)

# Jobs the cron scheduler queues; their parameters are a CronScheduleSpec.
RUN_SCHEDULED_CHECKS = JobKind("run_scheduled_checks_cron", "runScheduledChecksParameters", None)
COLLECT_SCHEDULED_STATISTICS = JobKind("collect_scheduled_statistics", "collectScheduledStatisticsParameters", None)
AUTO_IMPORT_TABLES = JobKind("auto_import_tables", "autoImportTablesParameters", None)

BY_TYPE = MappingProxyType(
    {
        kind.job_type: kind
        for kind in (
            RUN_CHECKS,
            COLLECT_STATISTICS,
            COLLECT_ERROR_SAMPLES,
            IMPORT_TABLES,
            DELETE_STORED_DATA,
            SYNCHRONIZE_FOLDERS,
            RUN_SCHEDULED_CHECKS,
            COLLECT_SCHEDULED_STATISTICS,
            AUTO_IMPORT_TABLES,
        )
    }
)
CRON_TYPES = ("run_scheduled_checks_cron", "collect_scheduled_statistics", "auto_import_tables")
