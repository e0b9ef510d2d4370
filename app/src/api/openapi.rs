//! The API's OpenAPI 3.1 description, served at `/api/openapi.json`. Nothing in it is
//! written by hand: every admin server function registers itself (`admin_fn!`) with the
//! JSON Schemas of its own argument and result types, so the description changes with
//! the code.

use crate::{
    error::AppError,
    model::grant::{Access, Area, Need},
};
use schemars::{generate::SchemaSettings, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

/// One admin server function, as `admin_fn!` registers it.
pub struct Endpoint {
    /// Under `/api/`, e.g. `aliases/list`.
    pub path: &'static str,
    /// The function's name, the operation's id.
    pub name: &'static str,
    /// Its doc comment, line by line.
    pub doc: &'static [&'static str],
    pub need: Need,
    pub args: fn(&mut SchemaGenerator) -> Schema,
    pub output: fn(&mut SchemaGenerator) -> Schema,
}

inventory::collect!(Endpoint);

/// Every admin server function, by path.
pub fn endpoints() -> Vec<&'static Endpoint> {
    let mut all: Vec<&Endpoint> = inventory::iter::<Endpoint>.into_iter().collect();
    all.sort_by_key(|e| e.path);
    all
}

impl Endpoint {
    /// The first sentence of the doc comment, or the name in words.
    pub fn summary(&self) -> String {
        let doc = self.description();
        let first = doc.split(". ").next().unwrap_or_default();
        let first = first.trim_end_matches('.').trim();
        if !first.is_empty() {
            return first.to_string();
        }
        let words = self.name.replace('_', " ");
        let mut chars = words.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    }

    /// The doc comment as one paragraph.
    pub fn description(&self) -> String {
        self.doc
            .iter()
            .map(|line| line.trim())
            .collect::<Vec<_>>()
            .join(" ")
            .trim()
            .to_string()
    }
}

/// What the portal answers when a call fails, by status. The body is always an `AppError`.
const FAILURES: [(&str, &str); 7] = [
    ("400", "A field holds a value the portal refuses; the error names the field and why."),
    ("401", "No valid session or API token: unknown, expired, or its account is disabled."),
    ("403", "The caller's rights do not reach this: another area or domain, a read-only token, an address outside the token's networks, or the admin IP access list."),
    ("404", "Not found (or gone already)."),
    ("409", "A domain's ownership is not verified yet, or the thing is not in a state that allows this now (a copy under way already)."),
    ("410", "A link has expired or was used."),
    ("429", "Too many failed attempts; wait as the error says."),
];

/// The whole description; `server` is the portal's public URL.
pub fn document(server: &str) -> Value {
    // Results are described as the portal writes them (nulls included); arguments as a
    // form carries them, each one inline.
    let mut results = SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .for_serialize()
        .into_generator();
    let mut forms = form_generator();
    let error = results.subschema_for::<AppError>();
    let mut paths = Map::new();
    for e in endpoints() {
        let form = form_of(e, &mut forms);
        let output = (e.output)(&mut results);
        let mut responses = Map::new();
        responses.insert(
            "200".into(),
            json!({
                "description": "Done: the result.",
                "content": { "application/json": { "schema": output } },
            }),
        );
        for (status, why) in FAILURES {
            responses.insert(
                status.into(),
                json!({
                    "description": why,
                    "content": { "application/json": { "schema": error } },
                }),
            );
        }
        let needs = format!(
            "Needs the {} area ({}).",
            e.need.area.label(),
            match e.need.access {
                Access::Read => "read",
                Access::Write => "write",
            }
        );
        let description = match e.description() {
            d if d.is_empty() => needs,
            d => format!("{d}\n\n{needs}"),
        };
        paths.insert(
            format!("/api/{}", e.path),
            json!({
                "post": {
                    "operationId": e.name,
                    "summary": e.summary(),
                    "description": description,
                    "tags": [e.need.area.key()],
                    "x-needs": { "area": e.need.area.key(), "access": e.need.access.to_string() },
                    "requestBody": {
                        "required": true,
                        "content": { "application/x-www-form-urlencoded": { "schema": form } },
                    },
                    "responses": responses,
                }
            }),
        );
    }
    let tags: Vec<Value> = Area::ALL
        .iter()
        .map(|a| json!({ "name": a.key(), "description": a.label() }))
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Mail Portal API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The admin functions of the portal. Call each with POST and a form \
                (application/x-www-form-urlencoded) and `Authorization: Bearer <token>`, a token \
                made under My account → API tokens; the answer is JSON. A token reaches what \
                its admin reaches, and within that its own areas, domains and networks.",
        },
        "servers": [{ "url": server }],
        "tags": tags,
        "security": [{ "token": [] }],
        "components": {
            "securitySchemes": {
                "token": { "type": "http", "scheme": "bearer", "description": "An API token (mpt_…)." },
            },
            "schemas": results.take_definitions(true),
        },
        "paths": paths,
    })
}

/// Arguments as a form carries them, each one inline.
fn form_generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .for_deserialize()
        .into_generator()
}

/// An endpoint's form. A form cannot carry null: an optional field is left out instead, so
/// its schema says only what a present value is.
fn form_of(e: &Endpoint, generator: &mut SchemaGenerator) -> Value {
    let mut form = (e.args)(generator).to_value();
    if let Some(properties) = form.get_mut("properties").and_then(Value::as_object_mut) {
        for field in properties.values_mut() {
            if let Some(types) = field.get_mut("type").and_then(Value::as_array_mut) {
                types.retain(|t| t != "null");
                if let [only] = types.as_slice() {
                    let only = only.clone();
                    field["type"] = only;
                }
            }
        }
    }
    form
}

/// An endpoint's form fields as (name, type, required), for the API page.
pub fn fields(e: &Endpoint) -> Vec<(String, String, bool)> {
    let form = form_of(e, &mut form_generator());
    let required: Vec<&str> = form["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = form["properties"].as_object() else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, field)| {
            let kind = match (&field["type"], &field["enum"]) {
                (Value::String(t), _) => t.clone(),
                (_, Value::Array(values)) | (Value::Array(values), _) => values
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" | "),
                _ => "value".to_string(),
            };
            (name.clone(), kind, required.contains(&name.as_str()))
        })
        .collect()
}

/// The error every refused call answers with, for the CLI and tests that read it.
pub fn error_text(body: &str) -> String {
    serde_json::from_str::<AppError>(body)
        .map(|e| e.to_string())
        .unwrap_or_else(|_| body.trim().to_string())
}
