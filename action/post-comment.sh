#!/usr/bin/env bash
# Posts $(state_dir)/comment.md on the pull request, or updates the comment this
# action posted before (found by the marker on its first line), so that a pull
# request carries one comment per dataset and configuration however often it runs.
# Uses gh (GITHUB_TOKEN from INPUT_GITHUB_TOKEN). A token that may not write (a
# fork's pull request) is a warning, not a failure: the comment is in the job summary.
set -euo pipefail
# shellcheck source=action/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
load_settings
require PULL_REQUEST GITHUB_REPOSITORY

state=$(state_dir)
comment="$state/comment.md"
export GH_TOKEN="${INPUT_GITHUB_TOKEN:-${GH_TOKEN:-${GITHUB_TOKEN:-}}}"
marker=$(head -1 "$comment")
jq -Rs '{body: .}' "$comment" >"$state/comment-body.json"

if ! pages=$(gh api --paginate "repos/$GITHUB_REPOSITORY/issues/$PULL_REQUEST/comments?per_page=100"); then
  warning "could not read the pull request's comments; the comment is in the job summary"
  exit 0
fi
existing=$(jq -r -s --arg marker "$marker" -f "$(dirname "$0")/find-comment.jq" <<<"$pages")

if [ -n "$existing" ]; then
  verb=update done=updated
  request=(-X PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$existing")
else
  verb=post done=posted
  request=(-X POST "repos/$GITHUB_REPOSITORY/issues/$PULL_REQUEST/comments")
fi
if answer=$(gh api "${request[@]}" --input "$state/comment-body.json" 2>&1); then
  url=$(jq -r '.html_url' <<<"$answer")
  echo "$done the pull-request comment: $url" >&2
  set_output comment-url "$url"
else
  warning "could not $verb the pull-request comment (a fork's pull request gets a read-only token; otherwise give the job 'pull-requests: write'): $answer"
fi
