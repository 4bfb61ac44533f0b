//! Roles of API keys: what a key may do, checked per route after the key is known.
//! `viewer` may only read; `runner` may also submit runs, and cancel and retry the
//! runs it submitted; `admin` may do everything, including anyone's runs, importing
//! datasets and editing schedules. A key configured without a role is `admin`, as
//! every key was before roles existed.
//!
//! The role is the contract's `KeyRole`, the one `GET /api/v1/whoami` answers.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tally_core::run::Submitter;

use crate::auth::Caller;
use crate::error::ApiError;

pub use tally_core::contract::views::KeyRole as Role;

/// Middleware (state: the role a route needs): 403 unless the caller's role is at
/// least that. Runs inside `require_api_key`, which sets the `Caller`.
pub async fn require_role(State(needed): State<Role>, request: Request, next: Next) -> Response {
    let role = request
        .extensions()
        .get::<Caller>()
        .map_or(Role::Viewer, |caller| caller.role);
    if role < needed {
        return ApiError::Forbidden { needed, role }.into_response();
    }
    next.run(request).await
}

/// Whether `caller` may cancel or retry a run submitted by `submitter`: an admin any
/// run, a runner only the runs its own key submitted (403 otherwise).
pub fn may_change_run(caller: &Caller, run: &str, submitter: &Submitter) -> Result<(), ApiError> {
    if caller.role >= Role::Admin {
        return Ok(());
    }
    let own = caller.key_name.is_some() && submitter.api_key_name == caller.key_name;
    if own {
        return Ok(());
    }
    let by = match (&submitter.api_key_name, &submitter.schedule) {
        (Some(name), _) => format!("the key {name}"),
        (None, Some(schedule)) => format!("the schedule {schedule}"),
        (None, None) => "another caller".to_string(),
    };
    Err(ApiError::NotOwner(format!(
        "run {run} was submitted by {by}; a key with the runner role may cancel and retry only the runs it submitted (an admin key may change any run)"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(name: Option<&str>, role: Role) -> Caller {
        Caller {
            key_name: name.map(str::to_string),
            role,
        }
    }

    fn submitted_by(key: Option<&str>, schedule: Option<&str>) -> Submitter {
        Submitter {
            api_key_name: key.map(str::to_string),
            schedule: schedule.map(str::to_string),
        }
    }

    #[test]
    fn a_runner_may_change_only_what_its_key_submitted() {
        let runner = caller(Some("ci"), Role::Runner);
        assert!(may_change_run(&runner, "r", &submitted_by(Some("ci"), None)).is_ok());
        for (submitter, by) in [
            (submitted_by(Some("other"), None), "the key other"),
            (submitted_by(None, Some("weekly")), "the schedule weekly"),
            (submitted_by(None, None), "another caller"),
        ] {
            let error = may_change_run(&runner, "r", &submitter).unwrap_err();
            assert!(error.to_string().contains(by), "{error}");
            assert_eq!(error.code(), "forbidden");
        }
        // Runs submitted without authentication belong to no key, not to every key.
        let unnamed = caller(None, Role::Runner);
        assert!(may_change_run(&unnamed, "r", &submitted_by(None, None)).is_err());
        let admin = caller(Some("ops"), Role::Admin);
        assert!(may_change_run(&admin, "r", &submitted_by(None, Some("weekly"))).is_ok());
    }
}
