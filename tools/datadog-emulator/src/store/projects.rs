//! Projects: created on first use of a name, returned as they are afterwards.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::clock;
use crate::error::ApiError;
use crate::ids;
use crate::jsonapi::resource;

use super::Store;

#[derive(Debug, Clone)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Project {
    pub fn to_resource(&self) -> Value {
        resource(
            "projects",
            &self.id,
            json!({
                "name": self.name,
                "description": self.description,
                "created_at": clock::rfc3339(&self.created_at),
                "updated_at": clock::rfc3339(&self.updated_at),
            }),
        )
    }
}

impl Store {
    /// The project named `name`, created if there is none (the description of an
    /// existing project is left alone), and whether it was created.
    pub fn project_create_or_get(
        &mut self,
        name: &str,
        description: Option<String>,
    ) -> Result<(&Project, bool), ApiError> {
        if name.trim().is_empty() {
            return Err(ApiError::bad_request(
                "data.attributes.name: must not be empty",
            ));
        }
        let existing = self.projects.iter().position(|p| p.name == name);
        let position = match existing {
            Some(position) => position,
            None => {
                let now = clock::now();
                self.projects.push(Project {
                    id: ids::uuid(),
                    name: name.to_string(),
                    description: description.unwrap_or_default(),
                    created_at: now,
                    updated_at: now,
                });
                self.projects.len() - 1
            }
        };
        Ok((&self.projects[position], existing.is_none()))
    }

    pub fn project(&self, id: &str) -> Result<&Project, ApiError> {
        self.projects
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(|| ApiError::not_found(format!("project {id} not found")))
    }
}
