#!/usr/bin/env bash
# Lints the Kubernetes manifests in ops/kubernetes with checkov and exits 1 when any check fails.
#
#   CHECKOV=/path/to/checkov scripts/check-kubernetes.sh     (default: checkov on the PATH)
#
# checkov comes from PyPI: `pip install checkov` (in a virtual environment: python3 -m venv DIR &&
# DIR/bin/pip install checkov). Without it this exits 69. It runs offline (--skip-download).
#
# Besides checkov's verdict it fails when:
#   - a manifest is not valid YAML, or kustomization.yaml does not list exactly the other manifests
#     (checkov silently ignores a file it cannot parse); this uses the Python that runs checkov, which
#     always has PyYAML, and is left out, with a warning, when that Python cannot be found;
#   - a skip annotation (checkov.io/skipN: CHECK_ID=reason) has no reason, or skips nothing.
# Every skip and its reason is also listed in ops/kubernetes/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=ops/kubernetes

checkov=${CHECKOV:-}
if [[ -z $checkov ]]; then
    checkov=$(command -v checkov || true)
fi
if [[ -z $checkov ]] || ! command -v "$checkov" > /dev/null; then
    echo "check-kubernetes: checkov not found (set CHECKOV or put it on the PATH): pip install checkov" >&2
    exit 69
fi
checkov=$(command -v "$checkov")
echo "+ $checkov --version: $("$checkov" --version)"

failures=()

# 1. The manifests parse, and kustomization.yaml lists them all.
python=
if head -c 2 "$checkov" | grep -q '^#!'; then
    python=$(head -n 1 "$checkov" | sed -e 's/^#![[:space:]]*//' -e 's/[[:space:]].*$//')
fi
for candidate in "$python" python3; do
    if [[ -n $candidate ]] && "$candidate" -c 'import yaml' 2> /dev/null; then
        python=$candidate
        break
    fi
    python=
done
if [[ -n $python ]]; then
    echo "+ parse $DIR/*.yaml and compare with kustomization.yaml ($python)"
    if ! "$python" - "$DIR" << 'EOF'; then
import pathlib, sys, yaml

folder = pathlib.Path(sys.argv[1])
errors, objects, listed = [], 0, None
manifests = sorted(p.name for p in folder.glob("*.yaml") if p.name != "kustomization.yaml")
for path in sorted(folder.glob("*.yaml")):
    try:
        documents = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except yaml.YAMLError as error:
        errors.append(f"{path}: not valid YAML: {error}".replace("\n", " "))
        continue
    for document in documents:
        if not isinstance(document, dict) or "kind" not in document or "apiVersion" not in document:
            errors.append(f"{path}: a document without apiVersion and kind")
        elif document["kind"] == "Kustomization":
            listed = sorted(document.get("resources") or [])
        elif not (document.get("metadata") or {}).get("name"):
            errors.append(f"{path}: a {document['kind']} without metadata.name")
        else:
            objects += 1
if listed is None:
    errors.append(f"{folder}/kustomization.yaml: missing")
elif listed != manifests:
    errors.append(f"{folder}/kustomization.yaml lists {listed}, the folder has {manifests}")
for error in errors:
    print(error)
if not errors:
    print(f"{objects} objects in {len(manifests)} manifests, all listed in kustomization.yaml")
sys.exit(1 if errors else 0)
EOF
        failures+=("manifests")
    fi
else
    echo "check-kubernetes: warning: no Python with PyYAML found, so the manifests are not parsed apart from checkov" >&2
fi

# 2. Every skip names its reason.
echo "+ every checkov.io/skip annotation in $DIR gives a reason"
skips=$(grep -h -E '^[[:space:]]*checkov\.io/skip[0-9]*:' "$DIR"/*.yaml | sed -E 's/^[[:space:]]*checkov\.io\/skip[0-9]*:[[:space:]]*//' || true)
skip_count=0
if [[ -n $skips ]]; then
    while IFS= read -r skip; do
        skip_count=$((skip_count + 1))
        if [[ ! $skip =~ ^CKV2?_[A-Z0-9]+_[0-9]+=[[:space:]]*[^[:space:]] ]]; then
            echo "a skip without a reason: $skip (write checkov.io/skipN: CHECK_ID=why)"
            failures+=("skip without a reason")
        fi
    done <<< "$skips"
fi

# 3. checkov itself.
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
command=("$checkov" -d "$DIR" --framework kubernetes --compact --quiet --skip-download
    -o cli -o json --output-file-path "console,$out/results.json")
echo "+ ${command[*]}"
started=$SECONDS
status=0
"${command[@]}" || status=$?
echo "checkov took $((SECONDS - started)) s"

summary=$(cat "$out/results.json" 2> /dev/null || true)
count() { grep -o "\"$1\": [0-9]*" <<< "$summary" | head -n 1 | grep -o '[0-9]*$' || true; }
passed=$(count passed)
failed=$(count failed)
skipped=$(count skipped)
if [[ -z $passed || -z $failed || -z $skipped ]]; then
    echo "check-kubernetes: checkov (exit $status) wrote no summary: see its output above" >&2
    exit 1
fi
if [[ $status -ne 0 && $failed -eq 0 ]]; then
    failures+=("checkov exited $status with no failed check: see its output above")
fi
if [[ $passed -eq 0 ]]; then
    failures+=("checkov passed no check: it found no manifest in $DIR")
fi
if [[ $skipped -ne $skip_count ]]; then
    echo "checkov skipped $skipped checks, the manifests ask for $skip_count skips: remove the skips that skip nothing"
    failures+=("skips")
fi

if [[ -n $skips ]]; then
    echo "skipped on purpose (reasons also in $DIR/README.md):"
    while IFS= read -r skip; do echo "  $skip"; done <<< "$skips"
fi
# The failed count is checkov's failed checks plus this script's own checks that failed.
if [[ $failed -gt 0 ]]; then
    echo "FAILED: $failed checkov checks (listed above)"
fi
if [[ ${#failures[@]} -gt 0 ]]; then
    printf 'FAILED: %s\n' "${failures[@]}"
fi
echo "check-kubernetes: $passed passed, $((failed + ${#failures[@]})) failed, $skipped skipped"
[[ $failed -eq 0 && ${#failures[@]} -eq 0 ]]
