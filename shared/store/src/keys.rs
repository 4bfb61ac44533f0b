//! Every Redis key tally uses is built here and nowhere else, so the key layout can be
//! read in one place and every key carries the namespace.
//!
//! Layout (`{ns}` = namespace, `{name}` = a `DatasetName`, which never contains `:`):
//!
//! | key | type | holds |
//! |---|---|---|
//! | `{ns}:datasets` | set | names of datasets with at least one version |
//! | `{ns}:dataset:{name}:latest` | string | the highest version number issued |
//! | `{ns}:dataset:{name}:versions` | hash | version → metadata JSON |
//! | `{ns}:dataset:{name}:by_hash` | hash | content hash → version |
//! | `{ns}:dataset:{name}:blocks:{content_hash}` | list | a version's records in blocks of 16, each block their JSON lines deflated (`record_blocks`) |
//! | `{ns}:dataset_staging:{id}` | list | record blocks being uploaded, before they become a version |
//! | `{ns}:dataset_staging_seq` | string | counter naming staging lists |
//! | `{ns}:runs` | sorted set | run ids by creation time (ms) |
//! | `{ns}:runs:schedule:{schedule}` | sorted set | the runs one schedule created |
//! | `{ns}:run:{run_id}` | hash | `record` (RunRecord JSON), `status`, `created_at`, `started_at`, `finished_at`, `cancel`, `response` (ExperimentResponse JSON once final) |
//! | `{ns}:run:{run_id}:retries` | list | the runs retrying this run's unsuccessful records, oldest first (expires with the latest retired run of the chain) |
//! | `{ns}:idempotency:{key_name}:{sha256}` | string | the run created for an `Idempotency-Key` (24 h) |
//! | `{ns}:exp:{experiment_id}` | hash | `record` (ExperimentRecord JSON), `status`, `total`, counters `done` `failed` `retries` `rate_limited`, `aborted`, `summary`, `started_at`, `finished_at`, `batch` (BatchProgress JSON of a batch-mode experiment) |
//! | `{ns}:exp:{experiment_id}:batches` | hash | a batch-mode experiment's batches: `part:{part}` → `batches/{id}`, `input:{part}` → `files/{id}` or `inline` (what it was created from; absent for a batch found again by its display name) |
//! | `{ns}:exp:{experiment_id}:results` | hash | result key (record id, or record id + trial) → RecordResult, zstd-compressed (`result_codec`; first write wins) |
//! | `{ns}:exp:{experiment_id}:order` | list | record ids in the order their results were written |
//! | `{ns}:exp:{experiment_id}:totals` | hash | the running totals of the results (`ResultTotals`: counts, token sums, fixed-point sums of costs and summary values, `latency:{ms}` buckets), added to by the script that writes each result |
//! | `{ns}:exp:{experiment_id}:attempts` | hash | record id → times a worker started it |
//! | `{ns}:labelsets` | set | names of the label sets (`{set}`: a dataset-like name, no `:`) |
//! | `{ns}:labelset:{set}` | string | the label set (`labelsets::LabelSet` JSON: records and pages, pre-fill run, publishes) |
//! | `{ns}:labelset:{set}:leases` | hash | record id → `<expires ms>\|<labeller>`: who holds the record (expired = free) |
//! | `{ns}:labelset:{set}:labelled` | hash | record id → JSON list of the labellers who labelled it |
//! | `{ns}:labelset:{set}:labels:{record}` | list | the record's labels (`LabelView` JSON), oldest first, append-only |
//! | `{ns}:schedules` | set | names of the stored schedules (`{name}` = a `ScheduleName`, no `:`) |
//! | `{ns}:schedule:{name}` | hash | `definition` (Schedule JSON), `origin` (`file`/`api`), `created_at`, `updated_at`, `active_since`, `cursor` (ms of the latest slot handled) |
//! | `{ns}:schedules:deleted` | set | schedules deleted through the API (the file does not recreate them) |
//! | `{ns}:schedule:{name}:slot:{ms}` | string | one slot: `claim:<token>` (leased), `run:<run_id>` or `failed:<reason>` (8 days) |
//! | `{ns}:schedule:{name}:skips` | list | records of skipped slots, newest first (50 kept) |
//! | `{ns}:run_check:{run_id}` | string | the regression check of a scheduled run was claimed (kept like the run) |
//! | `{ns}:exp:{experiment_id}:attempts` | hash | record id → times a worker started it (deleted when the run is retired) |
//! | `{ns}:exp:{experiment_id}:leases` | sorted set | lease id → expiry (Redis time, ms): the experiment's model calls in flight, cluster-wide |
//! | `{ns}:ratelimit:{model}` | hash | the model's shared rate limiter: `tat`, `ttat` (next free request / token time, ms), `factor`, `factor_at`, `blocked`, `cooldown`, `strikes`, `strike_at` |
//! | `{ns}:daily:{model}:{day}` | string | requests sent to the model on one Pacific day (expires after it) |
//! | `{ns}:daily_block:{model}` | string | ms until which the model's daily quota is used up (expires then) |
//! | `{ns}:spend` | hash | the spend cap's schedule: `stat` (ms from which the next spending is free) |
//! | `{ns}:cache:{sha256}` | string | a cached generateContent response body, deflate-compressed (`TALLY_CACHE_TTL`) |
//! | `{ns}:retention` | sorted set | run id → when its keys expire (ms): final runs to drop from the run indexes |
//! | `{ns}:retention:schedule` | hash | run id → schedule, for the retained runs a schedule created |
//! | `{ns}:events` | pub/sub channel | ids of runs and experiments that changed (`events`) |
//! | `{ns}:health:probe` | string | the health check's write probe (a timestamp, expires after a minute) |
//! | `{ns}:vacuum` | sorted set | `<experiment_id>:<chunks>` → when to vacuum the experiment's job bookkeeping (ms) |
//! | `{ns}:dd:outbox` | sorted set | run id → when its Datadog export is next due (ms); a claim pushes it one lease ahead |
//! | `{ns}:dd:export:{run_id}` | hash | a run's Datadog export: `state` (`pending`/`exported`/`failed`), `attempts`, `last_error`, `project_id`, `dataset_id`, `dataset_version`, `exp:{experiment_id}` (Datadog experiment id), `exp:{experiment_id}:sent` (records sent), `exp:{experiment_id}:final`, `ended_at` (kept 90 days after the end) |
//! | `{ns}:dd:keys:{run_id}` | string | a run's own Datadog keys, sealed with `TALLY_SEAL_KEY` (never in the clear); deleted when its export ends, expires after 48 hours |
//! | `{ns}:dd:last` | hash | the most recent export to end or fail an attempt: `outcome` (`exported`/`failed`/`retrying`), `run_id`, `at`, `error` (health reports it) |
//! | `{ns}:dd:ids` | hash | Datadog ids shared by runs: `dataset:{project_id}:{name}:{content_hash}` → `{dataset_id} {version}` |
//! | `{{ns}}:{kind}:…` | (apalis-redis) | the `plan`, `chunk` and `finalize` job queues; the braces are a Redis Cluster hash tag (keys inside: `jobs::apalis_layout`) |

use tally_core::dataset::{ContentHash, DatasetName};
use tally_core::run::{ExperimentId, RunId};
use tally_core::schedule::ScheduleName;

use super::namespace::Namespace;

/// Builds the keys of one namespace.
#[derive(Debug, Clone)]
pub struct Keys {
    namespace: Namespace,
}

impl Keys {
    pub fn new(namespace: Namespace) -> Keys {
        Keys { namespace }
    }

    pub fn namespace(&self) -> &Namespace {
        &self.namespace
    }

    /// The pattern that matches every key of this namespace (for cleanup in tests and
    /// operator tooling).
    pub fn all_pattern(&self) -> String {
        format!("{}:*", self.namespace)
    }

    pub fn dataset_names(&self) -> String {
        format!("{}:datasets", self.namespace)
    }

    pub fn dataset_latest(&self, name: &DatasetName) -> String {
        format!("{}:dataset:{name}:latest", self.namespace)
    }

    pub fn dataset_versions(&self, name: &DatasetName) -> String {
        format!("{}:dataset:{name}:versions", self.namespace)
    }

    pub fn dataset_by_hash(&self, name: &DatasetName) -> String {
        format!("{}:dataset:{name}:by_hash", self.namespace)
    }

    /// Records are keyed by content, not by version number, so the key is known
    /// before the registering script picks the number.
    pub fn dataset_blocks(&self, name: &DatasetName, content_hash: &ContentHash) -> String {
        format!("{}:dataset:{name}:blocks:{content_hash}", self.namespace)
    }

    pub fn dataset_staging(&self, id: u64) -> String {
        format!("{}:dataset_staging:{id}", self.namespace)
    }

    pub fn dataset_staging_seq(&self) -> String {
        format!("{}:dataset_staging_seq", self.namespace)
    }

    pub fn runs(&self) -> String {
        format!("{}:runs", self.namespace)
    }

    pub fn runs_of_schedule(&self, schedule: &str) -> String {
        format!("{}:runs:schedule:{schedule}", self.namespace)
    }

    pub fn run(&self, run: &RunId) -> String {
        format!("{}:run:{run}", self.namespace)
    }

    /// The runs that retry `run`'s unsuccessful records, oldest first.
    pub fn run_retries(&self, run: &RunId) -> String {
        format!("{}:run:{run}:retries", self.namespace)
    }

    /// `key_hash` is the SHA-256 (hex) of the client's key: its text is the client's
    /// and may be anything, the hash is safe in a key.
    pub fn idempotency(&self, api_key_name: &str, key_hash: &str) -> String {
        format!("{}:idempotency:{api_key_name}:{key_hash}", self.namespace)
    }

    pub fn experiment(&self, experiment: &ExperimentId) -> String {
        format!("{}:exp:{experiment}", self.namespace)
    }

    pub fn experiment_results(&self, experiment: &ExperimentId) -> String {
        format!("{}:exp:{experiment}:results", self.namespace)
    }

    pub fn experiment_order(&self, experiment: &ExperimentId) -> String {
        format!("{}:exp:{experiment}:order", self.namespace)
    }

    pub fn experiment_totals(&self, experiment: &ExperimentId) -> String {
        format!("{}:exp:{experiment}:totals", self.namespace)
    }

    pub fn experiment_attempts(&self, experiment: &ExperimentId) -> String {
        format!("{}:exp:{experiment}:attempts", self.namespace)
    }

    pub fn labelset_names(&self) -> String {
        format!("{}:labelsets", self.namespace)
    }

    pub fn labelset(&self, set: &str) -> String {
        format!("{}:labelset:{set}", self.namespace)
    }

    pub fn labelset_leases(&self, set: &str) -> String {
        format!("{}:labelset:{set}:leases", self.namespace)
    }

    pub fn labelset_labelled(&self, set: &str) -> String {
        format!("{}:labelset:{set}:labelled", self.namespace)
    }

    pub fn labelset_labels(&self, set: &str, record: &str) -> String {
        format!("{}:labelset:{set}:labels:{record}", self.namespace)
    }

    pub fn schedule_names(&self) -> String {
        format!("{}:schedules", self.namespace)
    }

    pub fn schedule(&self, name: &ScheduleName) -> String {
        format!("{}:schedule:{name}", self.namespace)
    }

    pub fn deleted_schedules(&self) -> String {
        format!("{}:schedules:deleted", self.namespace)
    }

    /// One slot of a schedule, by its fire time in milliseconds since the epoch.
    pub fn schedule_slot(&self, name: &ScheduleName, fire_time_ms: i64) -> String {
        format!("{}:schedule:{name}:slot:{fire_time_ms}", self.namespace)
    }

    pub fn schedule_skips(&self, name: &ScheduleName) -> String {
        format!("{}:schedule:{name}:skips", self.namespace)
    }

    pub fn run_check(&self, run: &RunId) -> String {
        format!("{}:run_check:{run}", self.namespace)
    }

    /// A batch-mode experiment's batches: `part:{n}` → the batch's name, recorded
    /// right after it is created (looked up by display name after a crash), with
    /// `input:{n}` → its input file's name or `inline`.
    pub fn experiment_batches(&self, experiment: &ExperimentId) -> String {
        format!("{}:exp:{experiment}:batches", self.namespace)
    }

    /// The holders of an experiment's call permits (`jobs`), by lease expiry.
    pub fn experiment_leases(&self, experiment: &ExperimentId) -> String {
        format!("{}:exp:{experiment}:leases", self.namespace)
    }

    /// The shared rate limiter of one model (`model` is a Gemini model id: letters,
    /// digits, `-`, `.`, `_`).
    pub fn rate_limit(&self, model: &str) -> String {
        format!("{}:ratelimit:{model}", self.namespace)
    }

    /// Requests sent to `model` on one Pacific day (`day` as `YYYY-MM-DD`).
    pub fn spend(&self) -> String {
        format!("{}:spend", self.namespace)
    }

    pub fn daily_requests(&self, model: &str, day: &str) -> String {
        format!("{}:daily:{model}:{day}", self.namespace)
    }

    /// Until when (ms since the epoch) `model`'s daily quota is used up.
    pub fn daily_block(&self, model: &str) -> String {
        format!("{}:daily_block:{model}", self.namespace)
    }

    pub fn datadog_outbox(&self) -> String {
        format!("{}:dd:outbox", self.namespace)
    }

    pub fn datadog_export(&self, run: &RunId) -> String {
        format!("{}:dd:export:{run}", self.namespace)
    }

    pub fn datadog_keys(&self, run: &RunId) -> String {
        format!("{}:dd:keys:{run}", self.namespace)
    }

    pub fn datadog_last(&self) -> String {
        format!("{}:dd:last", self.namespace)
    }

    pub fn datadog_ids(&self) -> String {
        format!("{}:dd:ids", self.namespace)
    }

    /// One entry of the response cache; `hash` is the hex SHA-256 of backend, model
    /// and request body.
    pub fn response_cache(&self, hash: &str) -> String {
        format!("{}:cache:{hash}", self.namespace)
    }

    pub fn retention(&self) -> String {
        format!("{}:retention", self.namespace)
    }

    pub fn retention_schedules(&self) -> String {
        format!("{}:retention:schedule", self.namespace)
    }

    /// The pub/sub channel of change notices (`events`): not a key, but named alike.
    pub fn events(&self) -> String {
        format!("{}:events", self.namespace)
    }

    /// The pub/sub channel on which a push names its queue (`plan`, `chunk`,
    /// `finalize`), so idle workers fetch at once (`jobs::wake`).
    pub fn queue_pushes(&self) -> String {
        format!("{}:queues:pushed", self.namespace)
    }

    /// What the health check writes to learn whether Redis accepts writes.
    pub fn health_probe(&self) -> String {
        format!("{}:health:probe", self.namespace)
    }

    pub fn vacuum(&self) -> String {
        format!("{}:vacuum", self.namespace)
    }

    /// The apalis-redis queue of one job kind: `{<ns>}:<kind>`. The braces make the
    /// namespace the Redis Cluster hash tag, so all keys of a queue share a slot.
    pub fn queue(&self, kind: &str) -> String {
        format!("{{{}}}:{kind}", self.namespace)
    }

    /// The pattern that matches every queue key of this namespace.
    pub fn queues_pattern(&self) -> String {
        format!("{{{}}}:*", self.namespace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_starts_with_the_namespace() {
        let keys = Keys::new(Namespace::parse("test:keys").unwrap());
        let name = DatasetName::parse("set-1").unwrap();
        let hash = ContentHash::parse(&format!("sha256:{}", "0".repeat(64))).unwrap();
        let schedule = ScheduleName::parse("weekly-monitoring").unwrap();
        for key in [
            keys.dataset_names(),
            keys.dataset_latest(&name),
            keys.dataset_versions(&name),
            keys.dataset_by_hash(&name),
            keys.dataset_blocks(&name, &hash),
            keys.dataset_staging(9),
            keys.dataset_staging_seq(),
            keys.schedule_names(),
            keys.schedule(&schedule),
            keys.deleted_schedules(),
            keys.schedule_slot(&schedule, 1_767_600_000_000),
            keys.schedule_skips(&schedule),
            keys.health_probe(),
            keys.events(),
            keys.datadog_outbox(),
            keys.datadog_ids(),
            keys.datadog_keys(&RunId::generate()),
            keys.datadog_last(),
            keys.labelset_names(),
            keys.labelset("scans"),
            keys.labelset_leases("scans"),
            keys.labelset_labelled("scans"),
            keys.labelset_labels("scans", "unit-a"),
        ] {
            assert!(key.starts_with("test:keys:"), "{key}");
        }
        assert_eq!(
            keys.dataset_blocks(&name, &hash),
            format!("test:keys:dataset:set-1:blocks:sha256:{}", "0".repeat(64))
        );
        assert_eq!(
            keys.schedule_slot(&schedule, 1_767_600_000_000),
            "test:keys:schedule:weekly-monitoring:slot:1767600000000"
        );
    }
}
