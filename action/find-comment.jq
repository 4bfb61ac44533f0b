# The id of the comment to update: the oldest comment of a list of issue comments
# (GitHub's REST answer, the pages slurped into one list of lists) whose body starts
# with the marker line $marker; empty when there is none.
#   jq -r -s --arg marker LINE -f find-comment.jq pages…
[.[][] | select((.body // "") | startswith($marker))] | sort_by(.created_at) | first | .id // empty
