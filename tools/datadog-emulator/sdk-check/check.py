"""Datadog's own SDK (ddtrace) against datadog-emulator.

Run by run.sh with DD_LLMOBS_OVERRIDE_ORIGIN pointing at a running emulator. Through
the SDK's public API it creates a dataset, pulls it back (page by page, by tag, by
version), edits and pushes another, bulk-uploads a third, runs an experiment with
evaluators and a summary evaluator, pulls the experiment back and requires every
record's span and every evaluation to be there; it also submits one span evaluation
through the evaluation intake. One 503 on the API, one 429 on the span intake and one
503 on the evaluation intake are injected on the way: the SDK must retry through
them. Any SDK error or mismatch fails the check with a message on stderr and exit
status 1.
"""

import json
import os
import sys
import time
import urllib.request

from ddtrace.llmobs import LLMObs

ORIGIN = os.environ["DD_LLMOBS_OVERRIDE_ORIGIN"].rstrip("/")
DEADLINE_SECS = 30

RECORDS = [
    {
        "input_data": {"question": f"q{i}"},
        "expected_output": f"a{i}",
        "metadata": {"position": i},
        "tags": ["parity:even" if i % 2 == 0 else "parity:odd"],
    }
    for i in range(5)
]
WRONG_AT = "q3"  # the task answers this one wrongly, so evaluations differ by record


def fail(message):
    print(f"sdk-check: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def expect(condition, message):
    if not condition:
        fail(message)


def emulator(path, body=None):
    """GET (or, with a body, POST) on the emulator's introspection routes."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{ORIGIN}{path}", data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


INJECTED_FAULTS = [
    {"fault": "server_error", "target": "api"},
    {"fault": "rate_limit", "target": "spans"},
    {"fault": "server_error", "target": "eval_metrics"},
]


def answer(input_data, config):
    question = input_data["question"]
    return "wrong" if question == WRONG_AT else "a" + question[1:]


def exact_match(input_data, output_data, expected_output):
    return output_data == expected_output


def closeness(input_data, output_data, expected_output):
    return 1.0 if output_data == expected_output else 0.25


def verdict(input_data, output_data, expected_output):
    return "right" if output_data == expected_output else "wrong"


def accuracy(inputs, outputs, expected_outputs, evaluators_results):
    matches = evaluators_results["exact_match"]
    return sum(1 for m in matches if m) / len(matches)


def check_dataset(name):
    created = LLMObs.create_dataset(
        dataset_name=name, description="ddtrace check", records=RECORDS
    )
    expect(len(created) == len(RECORDS), f"created dataset has {len(created)} records")
    pulled = LLMObs.pull_dataset(dataset_name=name)
    expect(len(pulled) == len(RECORDS), f"pulled {len(pulled)} records, wanted {len(RECORDS)}")
    got = sorted((r["input_data"]["question"], r["expected_output"], r["metadata"]["position"],
                  tuple(r["tags"])) for r in pulled)
    want = sorted((r["input_data"]["question"], r["expected_output"], r["metadata"]["position"],
                   tuple(r["tags"])) for r in RECORDS)
    expect(got == want, f"pulled records differ: {got} != {want}")
    expect(all(r.get("canonical_id") for r in pulled), "pulled records lack canonical ids")
    evens = LLMObs.pull_dataset(dataset_name=name, tags=["parity:even"])
    expect(len(evens) == 3, f"tag filter gave {len(evens)} records, wanted 3")
    first_version = LLMObs.pull_dataset(dataset_name=name, version=1)
    expect(len(first_version) == len(RECORDS), "version 1 does not hold the records")
    return pulled


def check_dataset_edits(name):
    """Update, tag and delete through Dataset.push(); the old version stays readable."""
    dataset = LLMObs.create_dataset(dataset_name=name, records=RECORDS[:3])
    dataset.update(0, {"expected_output": "changed"})
    dataset.add_tags(1, ["reviewed:yes"])
    dataset.delete(2)
    dataset.push()
    pulled = LLMObs.pull_dataset(dataset_name=name)
    by_question = {r["input_data"]["question"]: r for r in pulled}
    expect(sorted(by_question) == ["q0", "q1"], f"after push: {sorted(by_question)}")
    expect(by_question["q0"]["expected_output"] == "changed", f"update lost: {by_question['q0']}")
    expect(sorted(by_question["q1"]["tags"]) == ["parity:odd", "reviewed:yes"],
           f"tags: {by_question['q1']['tags']}")
    before = LLMObs.pull_dataset(dataset_name=name, version=1)
    expect(len(before) == 3, f"version 1 holds {len(before)} records")


def check_bulk_upload(name):
    """bulk_upload=True goes through the CSV upload endpoint."""
    LLMObs.create_dataset(dataset_name=name, records=RECORDS, bulk_upload=True)
    pulled = LLMObs.pull_dataset(dataset_name=name)
    got = sorted((r["input_data"]["question"], r["expected_output"], r["metadata"]["position"])
                 for r in pulled)
    want = sorted((r["input_data"]["question"], r["expected_output"], r["metadata"]["position"])
                  for r in RECORDS)
    expect(got == want, f"bulk upload: {got} != {want}")


def pulled_rows(experiment_id, want_rows):
    """The experiment as the SDK reads it back, once every span has arrived."""
    deadline = time.monotonic() + DEADLINE_SECS
    while True:
        result = LLMObs.pull_experiment(experiment_id).result
        if len(result["rows"]) >= want_rows or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def check_experiment(dataset, name):
    experiment = LLMObs.experiment(
        name=name,
        task=answer,
        dataset=dataset,
        evaluators=[exact_match, closeness, verdict],
        summary_evaluators=[accuracy],
        config={"model": "emulated", "temperature": 0},
        tags={"suite": "sdk-check"},
    )
    local = experiment.run(jobs=2)
    expect(len(local["rows"]) == len(RECORDS), f"run produced {len(local['rows'])} rows")
    LLMObs.flush()
    experiment_id = experiment._id
    expect(experiment_id, "the experiment has no id")

    result = pulled_rows(experiment_id, len(RECORDS))
    rows = result["rows"]
    expect(len(rows) == len(RECORDS), f"pulled {len(rows)} rows, wanted {len(RECORDS)}")
    record_ids = {r["record_id"] for r in dataset}
    expect({row["record_id"] for row in rows} == record_ids, "rows do not cover every record")
    for row in rows:
        question = row["input"]["question"]
        right = question != WRONG_AT
        evaluations = row["evaluations"]
        expect(set(evaluations) == {"exact_match", "closeness", "verdict"},
               f"{question}: evaluations {sorted(evaluations)}")
        expect(evaluations["exact_match"]["value"] is right
               and evaluations["exact_match"]["type"] == "boolean",
               f"{question}: exact_match {evaluations['exact_match']}")
        expect(evaluations["closeness"]["value"] == (1.0 if right else 0.25)
               and evaluations["closeness"]["type"] == "score",
               f"{question}: closeness {evaluations['closeness']}")
        expect(evaluations["verdict"]["value"] == ("right" if right else "wrong")
               and evaluations["verdict"]["type"] == "categorical",
               f"{question}: verdict {evaluations['verdict']}")
        expect(row["expected_output"] == "a" + question[1:], f"{question}: expected output")
        expect(row["output"] == ("a" + question[1:] if right else "wrong"), f"{question}: output")
        expect(row["duration"] > 0, f"{question}: no duration")
    summary = result["summary_evaluations"]
    expect(summary.get("accuracy", {}).get("value") == 0.8, f"summary evaluations {summary}")

    listed = LLMObs.list_experiments(experiment_name=name)
    expect(len(listed) == 1, f"list_experiments found {len(listed)}")
    expect(listed[0]["status"] == "completed", f"status {listed[0]['status']}")
    expect(listed[0]["config"] == {"model": "emulated", "temperature": 0}, "config lost")
    expect("suite:sdk-check" in listed[0]["tags"], f"tags {listed[0]['tags']}")

    spans = emulator(f"/_emulator/spans?experiment_id={experiment_id}")["spans"]
    expect(len(spans) == len(RECORDS), f"emulator holds {len(spans)} spans, wanted {len(RECORDS)}")
    return rows[0]


def check_span_evaluation(row):
    LLMObs.submit_evaluation(
        label="reviewed",
        metric_type="categorical",
        value="yes",
        span={"span_id": str(row["span_id"]), "trace_id": str(row["trace_id"])},
        tags={"reviewer": "sdk-check"},
    )
    LLMObs.flush()
    deadline = time.monotonic() + DEADLINE_SECS
    while True:
        metrics = emulator("/_emulator/eval-metrics")["metrics"]
        if metrics or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    expect(len(metrics) == 1, f"evaluation intake holds {len(metrics)} metrics")
    metric = metrics[0]["metric"]
    expect(metric["join_on"]["span"]["span_id"] == str(row["span_id"]), f"joined on {metric}")
    expect(metric["categorical_value"] == "yes", f"value {metric}")


def main():
    started = time.monotonic()
    LLMObs.enable(integrations_enabled=False)
    emulator("/_emulator/faults/next", {"faults": INJECTED_FAULTS})
    name = f"sdk-check-{int(time.time() * 1000)}"
    dataset = check_dataset(name)
    check_dataset_edits(f"{name}-edits")
    check_bulk_upload(f"{name}-bulk")
    row = check_experiment(dataset, name)
    check_span_evaluation(row)
    LLMObs.disable()
    stats = emulator("/_emulator/stats")
    expect(stats["faults_injected"] == len(INJECTED_FAULTS) and stats["faults_pending"] == 0,
           f"faults injected {stats['faults_injected']}, pending {stats['faults_pending']}")
    refused = [r for r in emulator("/_emulator/requests")["requests"]
               if r["status"] >= 400 and not r["fault"]]
    expect(not refused, f"the emulator refused requests: {refused}")
    print(f"sdk-check: ok ({stats['requests']} requests, {time.monotonic() - started:.1f}s)")


if __name__ == "__main__":
    main()
