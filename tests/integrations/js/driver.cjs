// The Databricks JavaScript SDK (@databricks/sdk-experimental) against jobsim: `node driver.cjs CASE HOST TOKEN`
// prints one JSON object. The SDK keeps only scheme, host and port of `host` and sends a bearer token (authType pat).
"use strict";
const {WorkspaceClient, ApiError, Time, TimeUnits} = require("@databricks/sdk-experimental");

const WAIT = {timeout: new Time(60, TimeUnits.seconds)};

const UNKNOWN_RUN_ID = 987654321;
const TASK = {
    task_key: "main",
    notebook_task: {notebook_path: "/Users/me/etl"},
    existing_cluster_id: "0101-000000-jobsim",
};

function failure(error) {
    return {
        error_type: error.constructor.name,
        error: error.message,
        error_code: error.errorCode,
        status_code: error.statusCode,
        is_api_error: error instanceof ApiError,
    };
}

function summary(run) {
    return {
        run_id: run.run_id,
        job_id: run.job_id,
        run_page_url: run.run_page_url,
        state: run.state,
        tasks: (run.tasks || []).map((task) => ({task_key: task.task_key, state: task.state})),
    };
}

const cases = {
    async "submit-and-wait"(w) {
        const waiter = await w.jobs.submit({run_name: "js-submit", tasks: [TASK], timeout_seconds: 600});
        const run = await waiter.wait(WAIT);
        const output = await w.jobs.getRunOutput({run_id: run.tasks[0].run_id});
        return {...summary(run), output: {error: output.error, metadata_state: output.metadata.state}};
    },
    async "run-now-and-wait"(w) {
        const job = await w.jobs.create({name: "js-job", tasks: [TASK], max_concurrent_runs: 2});
        const waiter = await w.jobs.runNow({job_id: job.job_id, job_parameters: {day: "2026-12-04"}});
        const run = await waiter.wait(WAIT);
        return {created_job_id: job.job_id, ...summary(run)};
    },
    async cancel(w) {
        const waiter = await w.jobs.submit({run_name: "js-cancel", tasks: [TASK]});
        const cancelled = await w.jobs.cancelRun({run_id: waiter.run_id});
        return summary(await cancelled.wait(WAIT));
    },
    async unknown(w) {
        try {
            await w.jobs.getRun({run_id: UNKNOWN_RUN_ID});
            return {error: null};
        } catch (error) {
            return failure(error);
        }
    },
};

async function main() {
    const [name, host, token] = process.argv.slice(2);
    const w = new WorkspaceClient({host, token, authType: "pat"});
    let result;
    try {
        result = await cases[name](w);
    } catch (error) {
        result = failure(error);
    }
    process.stdout.write("\n" + JSON.stringify(result) + "\n");
}

main();
