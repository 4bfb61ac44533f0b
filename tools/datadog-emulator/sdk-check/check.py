"""Datadog's own SDK (ddtrace) against datadog-emulator.

Run by run.sh with DD_LLMOBS_OVERRIDE_ORIGIN pointing at a running emulator. Through
the SDK's public API it creates a dataset, pulls it back (page by page), runs an
experiment with evaluators and a summary evaluator, pulls the experiment back and
requires every record's span and every evaluation to be there; it also submits one
span evaluation through the evaluation intake. Any SDK error or mismatch fails the
check with a message on stderr and exit status 1.
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


def emulator(path):
    """GET on the emulator's introspection routes."""
    with urllib.request.urlopen(f"{ORIGIN}{path}", timeout=10) as response:
        return json.load(response)


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
    name = f"sdk-check-{int(time.time() * 1000)}"
    dataset = check_dataset(name)
    row = check_experiment(dataset, name)
    check_span_evaluation(row)
    LLMObs.disable()
    stats = emulator("/_emulator/stats")
    bad = {s: n for s, n in stats["statuses"].items() if int(s) >= 400}
    expect(not bad, f"the emulator refused requests: {bad} (see /_emulator/requests)")
    print(f"sdk-check: ok ({stats['requests']} requests, {time.monotonic() - started:.1f}s)")


if __name__ == "__main__":
    main()
