#!/usr/bin/env python3
"""Runs shellcheck on every `run:` block of the workflows and of the composite action
(`action.yml`), as bash with GitHub's flags.

GitHub runs `shell: bash` steps as `bash --noprofile --norc -eo pipefail {0}`; each block is
written to a file with that shebang and options and checked with `shellcheck -s bash`. The
blocks hold no `${{ }}` expressions (everything comes in through `env:`), so they are checked
exactly as they run.
"""
import pathlib
import subprocess
import sys
import tempfile

import yaml

failed = False


def check(source, where, i, step):
    global failed
    script = step.get("run")
    if not script:
        return
    name = step.get("name", f"step {i}")
    if "${{" in script:
        print(f"{source}: {where}: {name}: a run block contains ${{{{ }}}}; pass values through env:")
        failed = True
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
        f.write("#!/usr/bin/env bash\nset -eo pipefail\n" + script)
    result = subprocess.run(["shellcheck", "-s", "bash", f.name], capture_output=True, text=True)
    if result.returncode != 0:
        print(f"{source}: {where}: {name}:\n{result.stdout}{result.stderr}")
        failed = True
    else:
        print(f"ok  {source}: {where}: {name}")


for wf in sorted(pathlib.Path(".github/workflows").glob("*.yml")):
    doc = yaml.safe_load(wf.read_text())
    for job_id, job in doc.get("jobs", {}).items():
        for i, step in enumerate(job.get("steps", [])):
            check(wf, job_id, i, step)
action = yaml.safe_load(pathlib.Path("action.yml").read_text())
for i, step in enumerate(action["runs"]["steps"]):
    if step.get("run") and step.get("shell") != "bash":
        print(f"action.yml: {step.get('name', i)}: every run step must say shell: bash")
        failed = True
    check("action.yml", "composite", i, step)
sys.exit(1 if failed else 0)
