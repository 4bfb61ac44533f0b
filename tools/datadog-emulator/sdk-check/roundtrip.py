"""The SDK's side of tally's Datadog round trip (worker/tests/pipeline/ddtrace.rs).

Run by roundtrip.sh with DD_LLMOBS_OVERRIDE_ORIGIN pointing at datadog-emulator:

  create NAME RECORDS_JSONL      ddtrace creates the dataset NAME from a tally
                                 records.jsonl (input, expected reports, metadata)
  check NAME EXPERIMENT_ID...    ddtrace pulls the dataset and each experiment tally
                                 exported, and requires one row per record with its
                                 span, its evaluations and the summary metrics

Any SDK error or mismatch exits with status 1 and a message on stderr.
"""

import json
import sys

from ddtrace.llmobs import LLMObs


def fail(message):
    print(f"roundtrip: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def expect(condition, message):
    if not condition:
        fail(message)


def create(name, records_path):
    with open(records_path, encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    created = LLMObs.create_dataset(
        dataset_name=name,
        description="created by ddtrace for tally's round trip",
        records=[
            {
                "input_data": r["input"],
                "expected_output": r["expected_output"],
                "metadata": r.get("metadata", {}),
            }
            for r in records
        ],
    )
    expect(len(created) == len(records), f"created {len(created)} of {len(records)} records")
    print(f"roundtrip: created {name} with {len(created)} records")


def check(name, experiment_ids):
    dataset = LLMObs.pull_dataset(dataset_name=name)
    record_ids = {r["record_id"] for r in dataset}
    expect(record_ids, "the dataset holds no records")
    for experiment_id in experiment_ids:
        result = LLMObs.pull_experiment(experiment_id).result
        rows = result["rows"]
        expect(len(rows) == len(record_ids),
               f"{experiment_id}: {len(rows)} rows for {len(record_ids)} records")
        expect({row["record_id"] for row in rows} == record_ids,
               f"{experiment_id}: the rows do not name every record of the dataset")
        for row in rows:
            where = f"{experiment_id} record {row['record_id']}"
            expect(row["span_id"] and row["trace_id"], f"{where}: no span")
            expect(row["duration"] > 0, f"{where}: no duration")
            expect(row["input"].get("image_paths"), f"{where}: input {row['input']}")
            evaluations = row["evaluations"]
            expect(evaluations, f"{where}: no evaluations")
            for label, evaluation in evaluations.items():
                expect(evaluation["type"] in ("boolean", "score", "categorical"),
                       f"{where}: {label} has type {evaluation['type']}")
                expect(evaluation["value"] is not None, f"{where}: {label} has no value")
        summary = result["summary_evaluations"]
        expect("overall_accuracy" in summary, f"{experiment_id}: summary {sorted(summary)}")
    print(f"roundtrip: ok ({len(experiment_ids)} experiments, {len(record_ids)} records each)")


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("create", "check"):
        fail("usage: roundtrip.py create NAME RECORDS_JSONL | check NAME EXPERIMENT_ID...")
    LLMObs.enable(integrations_enabled=False)
    try:
        if sys.argv[1] == "create":
            create(sys.argv[2], sys.argv[3])
        else:
            check(sys.argv[2], sys.argv[3:])
    finally:
        LLMObs.disable()


if __name__ == "__main__":
    main()
